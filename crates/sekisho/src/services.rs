//! Start-up wiring: every service sekisho serves is registered into the door here, and only here.

use sekisho_core::{Door, World};
use std::sync::Arc;

/// The door with every service registered. A service whose `sekisho.toml` section is wrong stops start-up
/// with its message, as a bad configuration file does.
pub fn door(world: Arc<World>) -> Result<Arc<Door>, String> {
    let organizations = sekisho_organizations::Organizations::from_config(world.clone())?;
    // Bedrock and Bedrock Runtime share one state (model access), so one call builds both.
    let (bedrock, bedrock_runtime) = sekisho_bedrock::services(&world)?;
    let lambda = sekisho_lambda::Lambda::new(world.clone())?;
    let states = sekisho_states::StepFunctions::from_config(&world)?;
    // AgentCore's control plane and gateway data plane share one state, like Bedrock's two services.
    let (agentcore_control, agentcore) = sekisho_agentcore::services(&world)?;
    Ok(Door::builder(world)
        .register(Arc::new(sekisho_sts::Sts))
        .register(Arc::new(sekisho_logs::Logs::new()))
        .register(Arc::new(sekisho_iam::Iam))
        .register(Arc::new(organizations))
        .register(bedrock)
        .register(bedrock_runtime)
        .register(Arc::new(lambda))
        .register(Arc::new(states))
        .register(agentcore_control)
        .register(agentcore)
        .build())
}
