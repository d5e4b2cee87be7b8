//! The world and the one door.
