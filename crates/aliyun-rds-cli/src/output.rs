//! Turning a successful response into what is printed: `--query` selects
//! part of it with JMESPath, then `--output` writes it as JSON, as text or
//! as a plain-text table, and `--quiet` prints nothing at all.
//!
//! JMESPath is the `jmespath` crate's, the reference implementation's Rust
//! port, so an expression means here what it means in Alibaba's `aliyun`
//! CLI and in every other JMESPath tool.

use std::fmt;

use serde_json::Value;

/// A JMESPath expression that compiles.
///
/// Only its text is kept: the compiled form holds reference-counted values
/// that cannot cross threads, and compiling again where it is used costs
/// microseconds.
#[derive(Debug, Clone)]
pub struct Query {
    expression: String,
}

/// A JMESPath expression that cannot be compiled or evaluated.
#[derive(Debug)]
#[non_exhaustive]
pub enum QueryError {
    /// The expression is not valid JMESPath. (Boxed: the parser's error is
    /// large and errors travel in `Result`s.)
    Syntax(Box<jmespath::JmespathError>),
    /// The expression failed on this document (for example a function
    /// given the wrong type).
    Evaluation(Box<jmespath::JmespathError>),
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QueryError::Syntax(source) => write!(f, "{source}"),
            QueryError::Evaluation(source) => write!(
                f,
                "it failed on the response: {source}; check the expression against the response printed without it"
            ),
        }
    }
}

impl std::error::Error for QueryError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            QueryError::Syntax(source) | QueryError::Evaluation(source) => Some(source.as_ref()),
        }
    }
}

impl Query {
    /// Checks that `expression` is JMESPath.
    pub fn compile(expression: &str) -> Result<Query, QueryError> {
        jmespath::compile(expression).map_err(|error| QueryError::Syntax(Box::new(error)))?;
        Ok(Query {
            expression: expression.to_owned(),
        })
    }

    /// The expression as written.
    pub fn as_str(&self) -> &str {
        &self.expression
    }

    /// What the expression selects from `document`; `null` when it selects
    /// nothing.
    pub fn search(&self, document: &Value) -> Result<Value, QueryError> {
        let compiled = jmespath::compile(&self.expression)
            .map_err(|error| QueryError::Syntax(Box::new(error)))?;
        let found = compiled
            .search(document)
            .map_err(|error| QueryError::Evaluation(Box::new(error)))?;
        // A JMESPath variable is plain JSON data, so this cannot fail; null
        // is the harmless answer if it ever did.
        Ok(serde_json::to_value(&*found).unwrap_or(Value::Null))
    }
}

/// What `--output cols=... rows=...` asked for.
#[derive(Debug, Default)]
pub struct Table {
    /// Each column's heading and the expression of its cell in a row; the
    /// keys of the rows when empty.
    pub columns: Vec<(String, Query)>,
    /// Where the rows are; the only list in the response when absent.
    pub rows: Option<Query>,
}

/// The output format.
#[derive(Debug)]
pub enum Format {
    /// Pretty-printed JSON.
    Json,
    /// `Name: value` lines for an object, one line per element for a list.
    Text,
    /// A plain-text table.
    Table(Table),
}

/// Everything that decides what a success prints.
#[derive(Debug)]
pub struct OutputOptions {
    /// `--query`.
    pub query: Option<Query>,
    /// `--output`.
    pub format: Format,
    /// `--quiet`.
    pub quiet: bool,
}

/// Why a response could not be shown as asked.
#[derive(Debug)]
#[non_exhaustive]
pub enum RenderError {
    /// An expression failed on the response.
    Query {
        /// Which option's expression.
        option: &'static str,
        /// What went wrong.
        source: QueryError,
    },
    /// The rows of a table are not a list.
    RowsNotAList {
        /// The `rows=` expression, or a note that none was given.
        rows: String,
    },
}

impl fmt::Display for RenderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RenderError::Query { option, source } => write!(f, "{option}: {source}"),
            RenderError::RowsNotAList { rows } => write!(
                f,
                "the rows of the table ({rows}) are not a list; give --output rows=<JMESPath of a list>, for example rows=Items.DBInstance[]"
            ),
        }
    }
}

impl std::error::Error for RenderError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            RenderError::Query { source, .. } => Some(source),
            RenderError::RowsNotAList { .. } => None,
        }
    }
}

/// The text to print for a successful `response`, or `None` with
/// `--quiet`.
pub fn render(response: &Value, options: &OutputOptions) -> Result<Option<String>, RenderError> {
    if options.quiet {
        return Ok(None);
    }
    let selected = match &options.query {
        Some(query) => query
            .search(response)
            .map_err(|source| RenderError::Query {
                option: "--query",
                source,
            })?,
        None => response.clone(),
    };
    let text = match &options.format {
        Format::Json => pretty_json(&selected),
        Format::Text => text_lines(&selected),
        Format::Table(table) => table_text(&selected, table)?,
    };
    Ok(Some(text))
}

/// Pretty-printed JSON.
pub fn pretty_json(value: &Value) -> String {
    // Serializing a `Value` cannot fail: its keys are always strings.
    serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
}

fn text_lines(value: &Value) -> String {
    match value {
        Value::Object(fields) => fields
            .iter()
            .map(|(name, field)| format!("{name}: {}", cell_text(field)))
            .collect::<Vec<_>>()
            .join("\n"),
        Value::Array(elements) => elements
            .iter()
            .map(cell_text)
            .collect::<Vec<_>>()
            .join("\n"),
        other => cell_text(other),
    }
}

/// A value on one line: strings bare, `null` empty, anything else compact
/// JSON; line breaks and tabs become spaces so a cell stays in its row.
fn cell_text(value: &Value) -> String {
    let text = match value {
        Value::String(text) => text.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    };
    text.replace(['\n', '\r', '\t'], " ")
}

/// The only list in a response, looked for as Alibaba's CLI does: the
/// document itself, a list at its top level, or a list inside an object at
/// its top level (`Items.DBInstance`). Its JMESPath (with `[]`) and the
/// list; `None` when there is no list or more than one, so the caller can
/// ask for an explicit path rather than guess.
pub fn find_the_list(document: &Value) -> Option<(String, &Vec<Value>)> {
    if let Value::Array(list) = document {
        return Some(("@".to_owned(), list));
    }
    let Value::Object(fields) = document else {
        return None;
    };
    let mut found = Vec::new();
    for (name, value) in fields {
        match value {
            Value::Array(list) => found.push((format!("{name}[]"), list)),
            Value::Object(inner) => {
                for (inner_name, inner_value) in inner {
                    if let Value::Array(list) = inner_value {
                        found.push((format!("{name}.{inner_name}[]"), list));
                    }
                }
            }
            _ => {}
        }
    }
    if found.len() == 1 {
        found.pop()
    } else {
        None
    }
}

fn table_text(document: &Value, table: &Table) -> Result<String, RenderError> {
    let rows: Vec<Value> = match &table.rows {
        Some(rows) => match rows.search(document) {
            Ok(Value::Array(rows)) => rows,
            Ok(_) => {
                return Err(RenderError::RowsNotAList {
                    rows: format!("rows={}", rows.as_str()),
                })
            }
            Err(source) => {
                return Err(RenderError::Query {
                    option: "--output rows=",
                    source,
                })
            }
        },
        None => match find_the_list(document) {
            Some((_, rows)) => rows.clone(),
            None => {
                return Err(RenderError::RowsNotAList {
                    rows: "none given, and the response has no single list".to_owned(),
                })
            }
        },
    };
    let headings: Vec<String>;
    let cells: Vec<Vec<String>>;
    if table.columns.is_empty() {
        // Without cols=, every key met in the rows is a column, in the order
        // they are first met; a list of scalars is one column.
        let mut keys: Vec<String> = Vec::new();
        for row in &rows {
            if let Value::Object(fields) = row {
                for key in fields.keys() {
                    if !keys.contains(key) {
                        keys.push(key.clone());
                    }
                }
            }
        }
        if keys.is_empty() {
            headings = vec!["Value".to_owned()];
            cells = rows.iter().map(|row| vec![cell_text(row)]).collect();
        } else {
            cells = rows
                .iter()
                .map(|row| {
                    keys.iter()
                        .map(|key| cell_text(row.get(key).unwrap_or(&Value::Null)))
                        .collect()
                })
                .collect();
            headings = keys;
        }
    } else {
        headings = table.columns.iter().map(|(name, _)| name.clone()).collect();
        cells = rows
            .iter()
            .map(|row| {
                table
                    .columns
                    .iter()
                    .map(|(_, query)| {
                        query
                            .search(row)
                            .map(|value| cell_text(&value))
                            .map_err(|source| RenderError::Query {
                                option: "--output cols=",
                                source,
                            })
                    })
                    .collect::<Result<Vec<_>, _>>()
            })
            .collect::<Result<_, _>>()?;
    }
    Ok(aligned(&headings, &cells))
}

/// Columns padded to their widest cell and separated by ` | `, under a
/// heading line and a line of dashes, as Alibaba's CLI prints tables.
fn aligned(headings: &[String], rows: &[Vec<String>]) -> String {
    let width = |text: &str| text.chars().count();
    let widths: Vec<usize> = headings
        .iter()
        .enumerate()
        .map(|(column, heading)| {
            rows.iter()
                .filter_map(|row| row.get(column))
                .map(|cell| width(cell))
                .chain([width(heading)])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: &mut dyn Iterator<Item = String>| {
        let padded: Vec<String> = cells
            .zip(&widths)
            .map(|(cell, column_width)| {
                let padding = column_width.saturating_sub(width(&cell));
                format!("{cell}{}", " ".repeat(padding))
            })
            .collect();
        padded.join(" | ").trim_end().to_owned()
    };
    let mut lines = vec![
        line(&mut headings.iter().cloned()),
        line(&mut widths.iter().map(|column_width| "-".repeat(*column_width))),
    ];
    for row in rows {
        lines.push(line(&mut row.iter().cloned()));
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn query(expression: &str) -> Query {
        Query::compile(expression).expect("valid JMESPath")
    }

    #[test]
    fn a_table_aligns_the_selected_columns() {
        let document = json!({"Items": {"Item": [
            {"Id": "rm-1", "Status": "Running", "Port": 3306},
            {"Id": "rm-22", "Status": "Creating", "Port": null}
        ]}, "RequestId": "x"});
        let table = Table {
            columns: vec![
                ("Id".to_owned(), query("Id")),
                ("Port".to_owned(), query("Port")),
            ],
            rows: Some(query("Items.Item[]")),
        };
        assert_eq!(
            table_text(&document, &table).expect("renders"),
            "Id    | Port\n----- | ----\nrm-1  | 3306\nrm-22 |"
        );
        // Without rows= or cols= the only list and all its keys are used.
        let text = table_text(&document, &Table::default()).expect("renders");
        assert_eq!(text.lines().next(), Some("Id    | Port | Status"));
    }

    #[test]
    fn rows_that_are_not_a_list_are_an_error() {
        let table = Table {
            columns: Vec::new(),
            rows: Some(query("RequestId")),
        };
        let error = table_text(&json!({"RequestId": "x"}), &table).expect_err("not a list");
        assert!(error.to_string().contains("rows=RequestId"), "{error}");
        let two_lists = json!({"A": [], "B": []});
        assert!(table_text(&two_lists, &Table::default()).is_err());
    }

    #[test]
    fn text_prints_a_list_one_element_a_line() {
        assert_eq!(text_lines(&json!(["a", 1, null])), "a\n1\n");
        assert_eq!(text_lines(&json!({"A": "x\ny"})), "A: x y");
    }

    #[test]
    fn the_only_list_is_found_at_either_depth() {
        let (path, _) =
            find_the_list(&json!({"Items": {"DBInstance": [1]}, "Total": 1})).expect("one list");
        assert_eq!(path, "Items.DBInstance[]");
        let (path, _) = find_the_list(&json!({"Items": [1], "PageNumber": 1})).expect("one list");
        assert_eq!(path, "Items[]");
        assert!(find_the_list(&json!({"RequestId": "x"})).is_none());
    }
}
