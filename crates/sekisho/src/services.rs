//! Start-up wiring: every service sekisho serves is registered into the door here, and only here.

use sekisho_core::{Door, World};
use std::sync::Arc;

/// The door with every service; fails on a service's configuration section that does not hold together.
pub fn door(world: Arc<World>) -> Result<Arc<Door>, String> {
    let organizations = sekisho_organizations::Organizations::from_config(world.clone())?;
    Ok(Door::builder(world)
        .register(Arc::new(sekisho_sts::Sts))
        .register(Arc::new(sekisho_logs::Logs::new()))
        .register(Arc::new(sekisho_iam::Iam))
        .register(Arc::new(organizations))
        .build())
}
