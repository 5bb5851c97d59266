//! Waiter definitions: the states an operation's response can be in, and
//! what each means for a wait.
//!
//! Some workflows cannot continue until the service reports a state, such
//! as a cloud migration task that must be synchronized before it can be
//! switched over. A waiter polls one operation and evaluates its
//! *acceptors* on each response; the first that matches decides:
//!
//! * a **success** acceptor ends the wait with the decoded output;
//! * a **failure** acceptor ends it: the resource is in a state from which
//!   the awaited one cannot come;
//! * a **retry** acceptor, or no match at all, means "poll again".
//!
//! Acceptors are evaluated on the raw JSON of the response, not on the typed
//! output, so they work whatever traits the output implements. Paths are
//! tiny: field names separated by dots, `[N]` for the N-th element of an
//! array (from zero) and `[*]` for any element, as in
//! `Items[0].MigrateStage`. A [`Condition`] holds when some value at its
//! path equals a text, or contains it ([`Matcher`]): the latter for
//! verdicts written inside free text, such as a report ending with
//! `*Migrate check success*`.
//!
//! This module is the data of a waiter, as generated crates write it (one
//! static [`WaiterDefinition`] per waiter of the spec) and as tools read it
//! from `metadata::WAITERS`; the polling loop that runs one is the
//! runtime's (`aliyun_runtime::waiter`).

use std::fmt;
use std::time::Duration;

use serde_json::Value;

/// What matching an acceptor means for the wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AcceptorState {
    /// The awaited state is reached: the wait ends with the output.
    Success,
    /// The awaited state can no longer be reached: the wait ends with the
    /// runtime's `WaiterError::FailureState`.
    Failure,
    /// Poll again.
    Retry,
}

impl AcceptorState {
    /// The state as the spec spells it: `success`, `failure` or `retry`.
    pub fn as_str(self) -> &'static str {
        match self {
            AcceptorState::Success => "success",
            AcceptorState::Failure => "failure",
            AcceptorState::Retry => "retry",
        }
    }
}

/// One step of a path into a JSON response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PathSegment {
    /// A field of an object, by its wire name.
    Field(&'static str),
    /// The element of an array at this index, from zero.
    Index(usize),
    /// Any element of an array: the path continues into each of them.
    AnyIndex,
}

/// Writes a path the way the spec spells it: `Items[0].MigrateStage`.
struct DisplayPath<'a>(&'a [PathSegment]);

impl fmt::Display for DisplayPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (position, segment) in self.0.iter().enumerate() {
            match segment {
                PathSegment::Field(name) if position == 0 => f.write_str(name)?,
                PathSegment::Field(name) => write!(f, ".{name}")?,
                PathSegment::Index(index) => write!(f, "[{index}]")?,
                PathSegment::AnyIndex => f.write_str("[*]")?,
            }
        }
        Ok(())
    }
}

/// Every value `path` leads to in `value`: none when a step is missing or
/// has the wrong JSON type, several when the path has `[*]`.
pub fn values_at<'v>(value: &'v Value, path: &[PathSegment]) -> Vec<&'v Value> {
    let mut current = vec![value];
    for segment in path {
        current = current
            .into_iter()
            .flat_map(|value| -> Vec<&'v Value> {
                match (segment, value) {
                    (PathSegment::Field(name), Value::Object(fields)) => {
                        fields.get(*name).into_iter().collect()
                    }
                    (PathSegment::Index(index), Value::Array(elements)) => {
                        elements.get(*index).into_iter().collect()
                    }
                    (PathSegment::AnyIndex, Value::Array(elements)) => elements.iter().collect(),
                    _ => Vec::new(),
                }
            })
            .collect();
    }
    current
}

/// The text of a JSON scalar as conditions compare it: strings as they
/// are, numbers and booleans in their JSON spelling, so that `5` and `"5"`
/// compare equal (the service sends numbers either way). Objects, arrays
/// and `null` have no text and match nothing.
fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        Value::Null | Value::Array(_) | Value::Object(_) => None,
    }
}

/// How a condition tests the values at its path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Matcher {
    /// Some value equals this text, in the text form of [`values_at`]'s
    /// scalars: `increment`, `5`, `true`.
    Equals(&'static str),
    /// Some value's text contains this text, for fields that carry a
    /// verdict inside free text, such as a report ending with
    /// `*Migrate check success*`.
    Contains(&'static str),
}

impl Matcher {
    /// Whether the text of one value satisfies the matcher.
    fn accepts(self, text: &str) -> bool {
        match self {
            Matcher::Equals(expected) => text == expected,
            Matcher::Contains(needle) => text.contains(needle),
        }
    }
}

/// A test on one value of the response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Condition {
    /// Where the value is.
    pub path: &'static [PathSegment],
    /// What the value must be.
    pub matcher: Matcher,
}

impl Condition {
    /// A condition that holds when some value at `path` equals `expected`
    /// (see [`Matcher::Equals`]).
    pub const fn equals(path: &'static [PathSegment], expected: &'static str) -> Self {
        Condition {
            path,
            matcher: Matcher::Equals(expected),
        }
    }

    /// A condition that holds when the text of some value at `path`
    /// contains `needle` (see [`Matcher::Contains`]).
    pub const fn contains(path: &'static [PathSegment], needle: &'static str) -> Self {
        Condition {
            path,
            matcher: Matcher::Contains(needle),
        }
    }

    /// Whether some value at the path satisfies the matcher.
    pub fn matches(&self, response: &Value) -> bool {
        values_at(response, self.path)
            .into_iter()
            .any(|value| scalar_text(value).is_some_and(|text| self.matcher.accepts(&text)))
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = DisplayPath(self.path);
        match self.matcher {
            Matcher::Equals(expected) => write!(f, "{path} is {expected:?}"),
            Matcher::Contains(needle) => write!(f, "{path} contains {needle:?}"),
        }
    }
}

/// A state of the resource and what it means for the wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Acceptor {
    /// What matching means.
    pub state: AcceptorState,
    /// Conditions that must all hold for the acceptor to match.
    pub conditions: &'static [Condition],
    /// What the state means, in words, when the spec says.
    pub description: Option<&'static str>,
}

impl Acceptor {
    /// Whether every condition holds. An acceptor without conditions
    /// matches nothing: the spec forbids it, and matching every response
    /// would end any wait at its first poll.
    pub fn matches(&self, response: &Value) -> bool {
        !self.conditions.is_empty()
            && self
                .conditions
                .iter()
                .all(|condition| condition.matches(response))
    }
}

impl fmt::Display for Acceptor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(description) = self.description {
            write!(f, "{description} (")?;
        }
        for (position, condition) in self.conditions.iter().enumerate() {
            if position > 0 {
                f.write_str(" and ")?;
            }
            write!(f, "{condition}")?;
        }
        if self.description.is_some() {
            f.write_str(")")?;
        }
        Ok(())
    }
}

/// Everything that defines one waiter, as generated from the spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WaiterDefinition {
    /// The waiter's name in the spec, for example `CloudMigrationReadyToSwitch`.
    pub name: &'static str,
    /// Acceptors in evaluation order: the first that matches decides.
    pub acceptors: &'static [Acceptor],
    /// Error codes that mean "poll again" rather than ending the wait.
    pub retry_on_errors: &'static [&'static str],
    /// The shortest wait between two polls.
    pub min_delay: Duration,
    /// The longest wait between two polls.
    pub max_delay: Duration,
}

impl WaiterDefinition {
    /// The first acceptor that matches `response`, if any.
    pub fn evaluate(&self, response: &Value) -> Option<&'static Acceptor> {
        self.acceptors
            .iter()
            .find(|acceptor| acceptor.matches(response))
    }

    /// What `response` holds at every path the acceptors look at, each path
    /// once, in acceptor order: the state the waiter last saw.
    pub fn observe(&self, response: &Value) -> Vec<Observation> {
        let mut observations: Vec<Observation> = Vec::new();
        for condition in self
            .acceptors
            .iter()
            .flat_map(|acceptor| acceptor.conditions)
        {
            let path = DisplayPath(condition.path).to_string();
            if observations.iter().any(|seen| seen.path == path) {
                continue;
            }
            let values = values_at(response, condition.path)
                .into_iter()
                .map(|value| scalar_text(value).unwrap_or_else(|| value.to_string()))
                .collect();
            observations.push(Observation { path, values });
        }
        observations
    }
}

/// The values found at one path of the last response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observation {
    /// The path, as the spec spells it.
    pub path: String,
    /// The values found there: none when the response lacks the path,
    /// several for a path with `[*]`.
    pub values: Vec<String>,
}

impl fmt::Display for Observation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.values.as_slice() {
            [] => write!(f, "{} absent", self.path),
            [value] => write!(f, "{} = {value:?}", self.path),
            values => write!(f, "{} = {values:?}", self.path),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const STAGE: &[PathSegment] = &[
        PathSegment::Field("Items"),
        PathSegment::Index(0),
        PathSegment::Field("MigrateStage"),
    ];
    const STATE: &[PathSegment] = &[
        PathSegment::Field("Items"),
        PathSegment::Index(0),
        PathSegment::Field("ReplicationState"),
    ];
    const ANY_STAGE: &[PathSegment] = &[
        PathSegment::Field("Items"),
        PathSegment::AnyIndex,
        PathSegment::Field("MigrateStage"),
    ];

    static READY: WaiterDefinition = WaiterDefinition {
        name: "Ready",
        acceptors: &[
            Acceptor {
                state: AcceptorState::Success,
                conditions: &[
                    Condition::equals(STAGE, "increment"),
                    Condition::equals(STATE, "streaming"),
                ],
                description: None,
            },
            Acceptor {
                state: AcceptorState::Failure,
                conditions: &[Condition::equals(STAGE, "success")],
                description: Some("already switched over"),
            },
        ],
        retry_on_errors: &["Throttling.User"],
        min_delay: Duration::from_secs(2),
        max_delay: Duration::from_secs(30),
    };

    fn task(stage: &str, state: &str) -> Value {
        json!({"Items": [{"MigrateStage": stage, "ReplicationState": state}], "TotalSize": 1})
    }

    #[test]
    fn paths_follow_fields_indices_and_any_element() {
        let response = json!({"Items": [{"MigrateStage": "a"}, {"MigrateStage": "b"}]});
        assert_eq!(values_at(&response, STAGE), vec![&json!("a")]);
        assert_eq!(
            values_at(&response, ANY_STAGE),
            vec![&json!("a"), &json!("b")]
        );
        let past_the_end = [PathSegment::Field("Items"), PathSegment::Index(2)];
        assert!(values_at(&response, &past_the_end).is_empty());
        // A step of the wrong kind leads nowhere rather than failing.
        let wrong_kind = [PathSegment::Field("Items"), PathSegment::Field("X")];
        assert!(values_at(&response, &wrong_kind).is_empty());
        assert!(values_at(&json!("text"), STAGE).is_empty());
        assert_eq!(values_at(&response, &[]), vec![&response]);
        assert_eq!(DisplayPath(ANY_STAGE).to_string(), "Items[*].MigrateStage");
    }

    #[test]
    fn conditions_compare_scalars_by_their_text() {
        let number = Condition::equals(&[PathSegment::Field("N")], "5");
        assert!(number.matches(&json!({"N": 5})));
        assert!(number.matches(&json!({"N": "5"})));
        assert!(!number.matches(&json!({"N": 6})));
        assert!(!number.matches(&json!({"N": [5]})));
        assert!(!number.matches(&json!({})));
        let flag = Condition::equals(&[PathSegment::Field("B")], "true");
        assert!(flag.matches(&json!({"B": true})));
        assert!(!flag.matches(&json!({"B": null})));
        let any = Condition::equals(ANY_STAGE, "b");
        assert!(any.matches(&json!({"Items": [{"MigrateStage": "a"}, {"MigrateStage": "b"}]})));
    }

    #[test]
    fn contains_conditions_look_for_text_inside_a_value() {
        const DETAIL: &[PathSegment] = &[
            PathSegment::Field("Items"),
            PathSegment::AnyIndex,
            PathSegment::Field("Detail"),
        ];
        let passed = Condition::contains(DETAIL, "*Migrate check success*");
        let report = "[Check disk size]\nCheck disk size enough: success\n*Migrate check success*";
        assert!(passed.matches(&json!({"Items": [{"Detail": report}]})));
        // Another item's report is enough under `[*]`.
        assert!(passed.matches(&json!({"Items": [{"Detail": ""}, {"Detail": report}]})));
        assert!(!passed.matches(&json!({"Items": [{"Detail": "Check disk size enough: success"}]})));
        assert!(!passed.matches(&json!({"Items": []})));
        assert!(!passed.matches(&json!({"Items": [{"Detail": null}]})));
        // Case matters: the marker is compared as written.
        assert!(!passed.matches(&json!({"Items": [{"Detail": "*migrate check success*"}]})));
        assert_eq!(
            passed.to_string(),
            "Items[*].Detail contains \"*Migrate check success*\""
        );
        assert_eq!(
            Condition::equals(STAGE, "increment").to_string(),
            "Items[0].MigrateStage is \"increment\""
        );
        // Equality is not containment.
        let exact = Condition::equals(&[PathSegment::Field("S")], "check");
        assert!(!exact.matches(&json!({"S": "check failed"})));
        assert!(Condition::contains(&[PathSegment::Field("S")], "check")
            .matches(&json!({"S": "check failed"})));
    }

    #[test]
    fn the_first_matching_acceptor_decides() {
        assert_eq!(
            READY.evaluate(&task("increment", "streaming")),
            Some(&READY.acceptors[0])
        );
        assert_eq!(
            READY.evaluate(&task("success", "finish")),
            Some(&READY.acceptors[1])
        );
        assert_eq!(READY.evaluate(&task("increment", "catchup")), None);
        assert_eq!(READY.evaluate(&json!({"Items": []})), None);
        let empty = Acceptor {
            state: AcceptorState::Success,
            conditions: &[],
            description: None,
        };
        assert!(!empty.matches(&json!({})));
    }
}
