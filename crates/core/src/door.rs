//! THE ONE DOOR: every AWS operation, from HTTP or from inside sekisho, is authenticated, authorized,
//! dispatched and logged here. Services are registered at start-up; core never names a service.

use crate::audit::{CheckRecord, DecisionLog, DecisionRecord};
use crate::authz;
use crate::ids;
use crate::persist::{Durable, Persistence};
use crate::service::{AuthzRequest, Caller, OpContext, Output, Service};
use crate::world::World;
use sekisho_wire::sigv4::{self, SigError};
use sekisho_wire::{AwsError, HttpRequest};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Weak};
use std::time::Instant;

/// A call to an operation.
#[derive(Debug, Clone)]
pub struct Call {
    pub service: String,
    pub operation: String,
    pub input: Value,
    pub region: String,
    /// Set by HTTP so the response carries the same id; generated for internal calls.
    pub request_id: Option<String>,
    /// The request on whose behalf this internal call is made (for `sekisho explain`).
    pub parent_request_id: Option<String>,
}

impl Call {
    pub fn new(service: &str, operation: &str, input: Value, region: &str) -> Self {
        Call {
            service: service.to_string(),
            operation: operation.to_string(),
            input,
            region: region.to_string(),
            request_id: None,
            parent_request_id: None,
        }
    }

    pub fn parent(mut self, request_id: &str) -> Self {
        self.parent_request_id = Some(request_id.to_string());
        self
    }
}

pub struct Door {
    world: Arc<World>,
    services: HashMap<&'static str, Arc<dyn Service>>,
    log: Arc<DecisionLog>,
    signing_keys: SigningKeys,
    me: Weak<Door>,
    /// Set when sekisho runs with a data directory: calls return once their changes are durable.
    persistence: std::sync::OnceLock<Arc<Persistence>>,
}

/// Derived SigV4 signing keys per (access key, scope): deriving one costs four HMACs, as much as the rest of
/// the verification. Keyed with the secret too, so a changed secret never matches a stale key.
#[derive(Default)]
struct SigningKeys {
    keys: std::sync::Mutex<HashMap<(String, String), (String, [u8; 32])>>,
}

impl SigningKeys {
    fn get(&self, access_key_id: &str, secret: &str, scope: &sigv4::Scope) -> [u8; 32] {
        let id = (access_key_id.to_string(), scope.to_scope_string());
        let mut keys = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((s, key)) = keys.get(&id)
            && s == secret
        {
            return *key;
        }
        let key = sigv4::signing_key(secret, scope);
        if keys.len() >= 4096 {
            keys.clear();
        }
        keys.insert(id, (secret.to_string(), key));
        key
    }
}

pub struct DoorBuilder {
    world: Arc<World>,
    services: HashMap<&'static str, Arc<dyn Service>>,
}

impl DoorBuilder {
    pub fn register(mut self, service: Arc<dyn Service>) -> Self {
        self.services.insert(service.name(), service);
        self
    }

    pub fn build(self) -> Arc<Door> {
        let DoorBuilder { world, services } = self;
        Arc::new_cyclic(|me| Door {
            world,
            services,
            log: Arc::new(DecisionLog::new(10_000)),
            signing_keys: SigningKeys::default(),
            me: me.clone(),
            persistence: std::sync::OnceLock::new(),
        })
    }
}

/// An authenticated HTTP request: who signed it, and for which region and signing name.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub caller: Caller,
    pub region: String,
    pub signing_name: String,
}

impl Door {
    pub fn builder(world: Arc<World>) -> DoorBuilder {
        DoorBuilder { world, services: HashMap::new() }
    }

    pub fn world(&self) -> &Arc<World> {
        &self.world
    }

    pub fn decisions(&self) -> &DecisionLog {
        &self.log
    }

    pub fn service(&self, name: &str) -> Option<&Arc<dyn Service>> {
        self.services.get(name)
    }

    /// Every durable part: the world, the decision log and each service's own (one per part name, though
    /// two services share a state).
    pub fn durable_parts(&self) -> Vec<Arc<dyn Durable>> {
        let mut parts: Vec<Arc<dyn Durable>> = vec![
            Arc::new(crate::durable::WorldPart::new(self.world.clone())),
            Arc::new(crate::durable::DecisionsPart(self.log.clone())),
        ];
        let mut names: std::collections::BTreeSet<&'static str> = parts.iter().flat_map(|p| p.parts()).collect();
        let mut services: Vec<_> = self.services.iter().collect();
        services.sort_by_key(|(name, _)| **name);
        for (_, service) in services {
            for part in service.durable() {
                if part.parts().iter().all(|n| names.insert(n)) {
                    parts.push(part);
                }
            }
        }
        parts
    }

    /// Makes every call durable through `persistence` from now on (set once, at start-up).
    pub fn set_persistence(&self, persistence: Arc<Persistence>) -> Result<(), String> {
        // From now on the credential registry remembers which keys changed (in memory nobody would ask).
        self.world.write().credentials.track(true);
        self.persistence.set(persistence).map_err(|_| "the door already has a store".to_string())
    }

    pub fn persistence(&self) -> Option<&Arc<Persistence>> {
        self.persistence.get()
    }

    /// Lets every service start again the work its loaded records describe (see `Service::resume`).
    pub fn resume(&self) {
        let me = self.arc();
        for service in self.services.values() {
            service.resume(&me);
        }
    }

    fn arc(&self) -> Arc<Door> {
        self.me.upgrade().expect("the door outlives every call made through it")
    }

    /// SigV4 authentication of an HTTP request: claims, key registry (existence, token, expiry), signature.
    pub fn authenticate(&self, req: &HttpRequest) -> Result<Authenticated, SigError> {
        let signed = sigv4::parse(req)?;
        self.authenticate_claims(req, signed)
    }

    /// [`Door::authenticate`] for claims already read from the request.
    pub fn authenticate_claims(
        &self,
        req: &HttpRequest,
        signed: sigv4::SignedRequest,
    ) -> Result<Authenticated, SigError> {
        let resolved = self.world.resolve_access_key(&signed.access_key_id, signed.security_token.as_deref())?;
        let key = self.signing_keys.get(&signed.access_key_id, &resolved.secret, &signed.scope);
        // Clients sign with their own, real clock: a virtual clock that jumped ahead must not make every
        // signature look expired.
        sigv4::verify_with_key(req, &signed, &key, crate::clock::wall_secs())?;
        if let crate::identity::Identity::Root { account } = &resolved.identity {
            self.world.account_seen(account);
        }
        let mut caller = Caller::new(resolved.identity);
        caller.access_key_id = Some(signed.access_key_id.clone());
        caller.user_agent = req.header("user-agent").map(str::to_string);
        caller.session_grant = resolved.session_grant;
        caller.mfa_auth_ms = resolved.mfa_auth_ms;
        Ok(Authenticated { caller, region: signed.scope.region, signing_name: signed.scope.service })
    }

    /// Records a request that failed before it reached a service (authentication, routing, decoding).
    pub fn record_rejected(&self, request_id: &str, service: &str, operation: &str, caller: &str, err: &AwsError) {
        self.log.push(DecisionRecord {
            request_id: request_id.to_string(),
            parent_request_id: None,
            time_ms: self.world.clock.now_ms(),
            caller: caller.to_string(),
            service: service.to_string(),
            operation: operation.to_string(),
            region: String::new(),
            checks: Vec::new(),
            outcome: "Rejected".into(),
            error_code: Some(err.code.clone()),
            error_message: Some(err.message.clone()),
            latency_us: 0,
        });
    }

    /// Records a request refused before anyone was authenticated, in the log's small ring of refusals.
    pub fn record_refused(&self, request_id: &str, service: &str, err: &AwsError) {
        self.log.push_refusal(DecisionRecord {
            request_id: request_id.to_string(),
            parent_request_id: None,
            time_ms: self.world.clock.now_ms(),
            caller: "anonymous".into(),
            service: service.to_string(),
            operation: String::new(),
            region: String::new(),
            checks: Vec::new(),
            outcome: "Rejected".into(),
            error_code: Some(err.code.clone()),
            error_message: Some(err.message.clone()),
            latency_us: 0,
        });
    }

    /// Asks the door an authorization question without dispatching anything: the checks a service makes on
    /// a caller's behalf (forward access, e.g. Bedrock's Marketplace check with `aws:CalledVia`). Recorded
    /// like any call under `service`/`operation`; the first denial's AWS message comes back as `Err`.
    pub fn check(
        &self,
        caller: &Caller,
        checks: &[crate::service::Check],
        target: (&str, &str),
        region: &str,
        parent_request_id: Option<&str>,
    ) -> Result<(), String> {
        let started = Instant::now();
        let mut record = DecisionRecord {
            request_id: ids::request_id(),
            parent_request_id: parent_request_id.map(str::to_string),
            time_ms: self.world.clock.now_ms(),
            caller: caller.identity.arn(),
            service: target.0.to_string(),
            operation: target.1.to_string(),
            region: region.to_string(),
            checks: Vec::new(),
            outcome: "Allowed".into(),
            error_code: None,
            error_message: None,
            latency_us: 0,
        };
        let mut result = Ok(());
        for check in checks {
            let outcome = authz::decide(&self.world, caller, check, region);
            record.checks.push(CheckRecord {
                action: check.action.clone(),
                resource: check.resource.clone(),
                decision: outcome.decision.to_string(),
                explanation: outcome.explanation.clone(),
            });
            if !outcome.allowed {
                record.outcome = "Denied".into();
                record.error_code = Some("AccessDenied".into());
                record.error_message = Some(outcome.message.clone());
                result = Err(outcome.message);
                break;
            }
        }
        record.latency_us = started.elapsed().as_micros() as u64;
        self.log.push(record);
        result
    }

    /// Calls an operation as `caller`: authorize, dispatch, record.
    pub async fn call(&self, caller: &Caller, call: Call) -> Result<Output, AwsError> {
        let started = Instant::now();
        let request_id = call.request_id.clone().unwrap_or_else(ids::request_id);
        let mut record = DecisionRecord {
            request_id: request_id.clone(),
            parent_request_id: call.parent_request_id.clone(),
            time_ms: self.world.clock.now_ms(),
            caller: caller.identity.arn(),
            service: call.service.clone(),
            operation: call.operation.clone(),
            region: call.region.clone(),
            checks: Vec::new(),
            outcome: String::new(),
            error_code: None,
            error_message: None,
            latency_us: 0,
        };
        let mut result = self.authorize_and_dispatch(caller, call, &request_id, &mut record).await;
        // Durable before the answer leaves: whatever the handler changed is committed (with whatever other
        // calls changed meanwhile) before this call returns. A failed call changed nothing to wait for.
        if let Some(p) = self.persistence.get()
            && let Err(e) = p.sync().await
        {
            eprintln!("sekisho: could not make a change durable: {e}");
            result = Err(AwsError::new(
                "ServiceUnavailable",
                503,
                "sekisho could not write its data directory; the change is not durable".to_string(),
            ));
        }
        record.latency_us = started.elapsed().as_micros() as u64;
        match &result {
            Ok(_) => record.outcome = "Succeeded".into(),
            Err(e) => {
                if record.outcome.is_empty() {
                    record.outcome = "Failed".into();
                }
                record.error_code = Some(e.code.clone());
                record.error_message = Some(e.message.clone());
            }
        }
        self.log.push(record);
        result
    }

    async fn authorize_and_dispatch(
        &self,
        caller: &Caller,
        call: Call,
        request_id: &str,
        record: &mut DecisionRecord,
    ) -> Result<Output, AwsError> {
        let Some(service) = self.services.get(call.service.as_str()).cloned() else {
            record.outcome = "Rejected".into();
            return Err(AwsError::new("UnknownServiceException", 400, format!("Unknown service: {}", call.service)));
        };
        let checks = service.authorize(&AuthzRequest {
            operation: &call.operation,
            input: &call.input,
            caller,
            region: &call.region,
            world: &self.world,
        })?;
        for check in &checks {
            let outcome = authz::decide(&self.world, caller, check, &call.region);
            record.checks.push(CheckRecord {
                action: check.action.clone(),
                resource: check.resource.clone(),
                decision: outcome.decision.to_string(),
                explanation: outcome.explanation.clone(),
            });
            if !outcome.allowed {
                record.outcome = "Denied".into();
                return Err(service.access_denied(outcome.message));
            }
        }
        let ctx = OpContext {
            request_id: request_id.to_string(),
            caller: caller.clone(),
            region: call.region.clone(),
            door: self.arc(),
            world: self.world.clone(),
        };
        service.call(ctx, &call.operation, call.input).await
    }
}

impl Door {
    /// Clears the world (accounts, identities, credentials) and every service's own state, in the store too.
    pub fn reset(&self) -> Result<(), String> {
        self.reset_memory();
        // The services' reset may rebuild what configuration declares (an organization): the store keeps that.
        match self.persistence.get() {
            Some(p) => p.rewrite(),
            None => Ok(()),
        }
    }

    fn reset_memory(&self) {
        let mut world = self.world.write();
        let track = world.credentials.is_tracking();
        // The issuer key is the server's, not the world's content: tokens minted before a reset still verify.
        let issuer = world.oidc_issuer.take();
        *world = crate::world::WorldState { oidc_issuer: issuer, ..Default::default() };
        world.credentials.track(track);
        drop(world);
        for service in self.services.values() {
            service.reset();
        }
    }

    /// Every record of the world and the services as they are now (a snapshot).
    pub fn snapshot(&self) -> Result<Vec<crate::persist::Record>, String> {
        match self.persistence.get() {
            Some(p) => p.everything(),
            None => Persistence::new(Arc::new(crate::persist::NoBackend), self.durable_parts()).everything(),
        }
    }

    /// Resets the world and the services to `records` (a snapshot), in the store too.
    pub fn restore(&self, records: Vec<crate::persist::Record>) -> Result<(), String> {
        self.reset_memory();
        let now = self.world.clock.now_ms();
        match self.persistence.get() {
            Some(p) => p.replace(records, now)?,
            None => Persistence::new(Arc::new(crate::persist::NoBackend), self.durable_parts())
                .install_only(records, now)?,
        }
        self.resume();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    /// Authenticates a GetCallerIdentity signed for `account` with `secret`.
    fn authenticate(door: &Door, account: &str, secret: &str) -> Result<Authenticated, SigError> {
        let date = sigv4::format_amz_date(crate::clock::wall_secs());
        let headers = vec![("host".to_string(), "127.0.0.1".to_string()), ("x-amz-date".to_string(), date.clone())];
        let body = b"Action=GetCallerIdentity&Version=2011-06-15";
        let mut req = HttpRequest { method: "POST", path: "/", query: "", headers: &headers, body };
        let scope = sigv4::Scope { date: date[..8].to_string(), region: "us-east-1".into(), service: "sts".into() };
        let auth = sigv4::sign_header(&req, account, secret, &scope, &date, &["host", "x-amz-date"]);
        let mut signed_headers = headers.clone();
        signed_headers.push(("authorization".to_string(), auth));
        req.headers = &signed_headers;
        door.authenticate(&req)
    }

    #[test]
    fn only_an_authenticated_request_creates_its_account() {
        let door = Door::builder(Arc::new(World::new(Config::defaults()))).build();
        assert_eq!(authenticate(&door, "123456789012", "not-the-secret").err(), Some(SigError::Mismatch));
        assert!(door.world().read().account("123456789012").is_none());
        assert!(authenticate(&door, "123456789012", "test").is_ok());
        assert!(door.world().read().account("123456789012").is_some());
    }
}
