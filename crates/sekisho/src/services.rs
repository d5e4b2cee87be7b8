//! Start-up wiring: every service sekisho serves is registered into the door here, and only here.

use sekisho_core::{Door, World};
use std::sync::Arc;

pub fn door(world: Arc<World>) -> Arc<Door> {
    Door::builder(world)
        .register(Arc::new(sekisho_sts::Sts))
        .register(Arc::new(sekisho_logs::Logs::new()))
        .register(Arc::new(sekisho_iam::Iam))
        .register(Arc::new(sekisho_organizations::Organizations))
        .build()
}
