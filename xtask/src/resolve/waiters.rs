//! An operation's waiters, with their method names and parsed paths.

use super::ident::RustIdent;
use crate::spec::waiter::{
    condition_text, parse_path, waiter_method_name, AcceptorState, ConditionTest, PathStep,
    WaiterSpec,
};
use crate::spec::{naming, LoadedOperation, SpecError, SpecErrorKind};

/// One waiter, resolved.
#[derive(Debug, Clone)]
pub struct Waiter<'spec> {
    /// The waiter's spec, for its texts and delays.
    pub spec: &'spec WaiterSpec,
    /// The fluent builder's method: `wait_until_cloud_migration_ready_to_switch`.
    pub method: RustIdent,
    /// The static definition: `CLOUD_MIGRATION_READY_TO_SWITCH_WAITER`.
    pub definition: RustIdent,
    /// The acceptors, in evaluation order.
    pub acceptors: Vec<Acceptor<'spec>>,
}

/// One acceptor of a waiter.
#[derive(Debug, Clone)]
pub struct Acceptor<'spec> {
    /// What a match means.
    pub state: AcceptorState,
    /// The spec's description of the state.
    pub description: Option<&'spec str>,
    /// The conditions, which must all hold.
    pub conditions: Vec<Condition<'spec>>,
}

/// One condition of an acceptor.
#[derive(Debug, Clone)]
pub struct Condition<'spec> {
    /// The path as the spec writes it.
    pub path_text: &'spec str,
    /// The path, parsed.
    pub path: Vec<PathStep>,
    /// What the value must be.
    pub matcher: Matcher,
}

/// How a condition tests its value, with the text the runtime compares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Matcher {
    /// The value's text equals this one (strings as they are, integers and
    /// booleans in their JSON spelling).
    Equals(String),
    /// The value's text contains this one.
    Contains(String),
}

/// The waiters of an operation. Validation parsed every path and checked
/// every condition already; a path that does not parse or a condition
/// without exactly one test is reported like any spec problem, never a
/// panic.
pub fn resolve(operation: &LoadedOperation) -> Result<Vec<Waiter<'_>>, Vec<SpecError>> {
    let mut problems = Vec::new();
    let mut waiters = Vec::new();
    for (waiter_index, waiter) in operation.spec.waiters.iter().flatten().enumerate() {
        let mut acceptors = Vec::new();
        for (acceptor_index, acceptor) in waiter.acceptors.iter().enumerate() {
            let mut conditions = Vec::new();
            for (condition_index, condition) in acceptor.conditions.iter().enumerate() {
                let pointer = format!(
                    "/waiters/{waiter_index}/acceptors/{acceptor_index}/conditions/{condition_index}"
                );
                let matcher = match condition.test() {
                    Some(ConditionTest::Equals(value)) => Matcher::Equals(condition_text(value)),
                    Some(ConditionTest::Contains(text)) => Matcher::Contains(text.to_owned()),
                    None => {
                        problems.push(SpecError::at(
                            &operation.file,
                            pointer,
                            SpecErrorKind::InvalidValue,
                            "a condition needs exactly one of `equals` and `contains`".to_owned(),
                        ));
                        continue;
                    }
                };
                match parse_path(&condition.path) {
                    Ok(path) => conditions.push(Condition {
                        path_text: &condition.path,
                        path,
                        matcher,
                    }),
                    Err(message) => problems.push(SpecError::at(
                        &operation.file,
                        format!("{pointer}/path"),
                        SpecErrorKind::InvalidValue,
                        message,
                    )),
                }
            }
            acceptors.push(Acceptor {
                state: acceptor.state,
                description: acceptor.description.as_deref(),
                conditions,
            });
        }
        let snake_case = naming::snake_case(&waiter.name);
        waiters.push(Waiter {
            spec: waiter,
            method: RustIdent::member(waiter_method_name(waiter)),
            definition: RustIdent::new(format!("{}_WAITER", snake_case.to_ascii_uppercase())),
            acceptors,
        });
    }
    if problems.is_empty() {
        Ok(waiters)
    } else {
        Err(problems)
    }
}
