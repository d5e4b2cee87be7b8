//! Start-up wiring: every service sekisho serves is registered into the door here, and only here.

use sekisho_core::{Door, World};
use std::sync::Arc;

pub fn door(world: Arc<World>) -> Arc<Door> {
    // Bedrock and Bedrock Runtime share one state (model access), so one call builds both. A bad `[bedrock]`
    // section stops start-up with its message, as a bad configuration file does.
    let (bedrock, bedrock_runtime) = match sekisho_bedrock::services(&world) {
        Ok(pair) => pair,
        Err(e) => {
            eprintln!("sekisho: {e}");
            std::process::exit(2);
        }
    };
    Door::builder(world)
        .register(Arc::new(sekisho_sts::Sts))
        .register(Arc::new(sekisho_logs::Logs::new()))
        .register(Arc::new(sekisho_iam::Iam))
        .register(bedrock)
        .register(bedrock_runtime)
        .build()
}
