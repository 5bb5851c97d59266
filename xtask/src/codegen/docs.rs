//! Rustdoc assembled from spec prose.
//!
//! The documentation's prose is Markdown written for Alibaba Cloud's
//! website. [`Docs`] makes it safe and tidy for rustdoc: no accidental code
//! blocks (which would become doctests), no stray HTML tags, bare URLs
//! wrapped so rustdoc links them, and the website's own conventions turned
//! into plain Markdown: its help-center links (`[text](~~26315~~)`) become
//! real links, its empty heading anchors (`### [](#)Title`,
//! `### [Title](#)`) and bullet characters (`• item`) are dropped or made
//! list items, and its stray spaces before colons (`Note : Before`) are
//! removed. What structures the text survives: headings, block quotes
//! (`> Note`), code spans, and nested lists, whose indentation is
//! normalised to four spaces a level (other indentation is dropped).
//!
//! With [`OperationLinks`], the names of the product's operations in the
//! prose (`DescribeDBInstances`, `**DescribeDBInstances**`, a code span or
//! a help-center link labelled with the name) become intra-doc links to
//! the item documenting that operation in the crate being rendered.

use std::collections::BTreeMap;

use proc_macro2::TokenStream;
use quote::quote;

use crate::resolve::{Member, Product};

/// Where the documentation's help-center references (`~~26315~~`) point:
/// the article of that number on Alibaba Cloud's help center.
const HELP_ARTICLE_URL: &str = "https://www.alibabacloud.com/help/doc-detail/";

/// Where the operation names mentioned in prose link to: the intra-doc
/// path of each operation's item in the crate being rendered, by action
/// name.
#[derive(Debug, Clone, Default)]
pub struct OperationLinks {
    targets: BTreeMap<String, String>,
}

impl OperationLinks {
    /// Links to the client methods of `aliyun-rds`
    /// (`crate::Client::describe_db_instances`).
    pub fn to_client_methods(product: &Product<'_>) -> Self {
        Self::of(product, |module| format!("crate::Client::{module}"))
    }

    /// Links to the operation modules of `aliyun-rds-types`
    /// (`crate::describe_db_instances`), which does not know the client.
    pub fn to_type_modules(product: &Product<'_>) -> Self {
        Self::of(product, |module| format!("crate::{module}"))
    }

    fn of(product: &Product<'_>, target: impl Fn(&str) -> String) -> Self {
        OperationLinks {
            targets: product
                .operations
                .iter()
                .map(|operation| {
                    (
                        operation.spec.name.clone(),
                        target(&operation.names.snake_case),
                    )
                })
                .collect(),
        }
    }

    /// The intra-doc path of an action name, if it is one of the
    /// product's operations.
    fn target(&self, name: &str) -> Option<&str> {
        self.targets.get(name).map(String::as_str)
    }
}

/// Rustdoc being assembled from spec prose, one line at a time.
#[derive(Debug, Default, Clone)]
pub struct Docs<'links> {
    lines: Vec<String>,
    /// Where operation names in prose link to; no links when absent.
    links: Option<&'links OperationLinks>,
}

impl Docs<'static> {
    /// Empty documentation, whose prose links no operation name.
    pub fn new() -> Self {
        Docs::default()
    }
}

impl<'links> Docs<'links> {
    /// The same documentation, whose prose added from now on links the
    /// operation names `links` knows.
    pub fn linking<'other>(self, links: &'other OperationLinks) -> Docs<'other> {
        Docs {
            lines: self.lines,
            links: Some(links),
        }
    }

    /// Adds a line written by the generator itself (trusted Markdown).
    pub fn line(mut self, line: impl Into<String>) -> Self {
        self.lines.push(line.into());
        self
    }

    /// Adds every line of `other`.
    pub fn append(mut self, other: &Docs<'_>) -> Self {
        self.lines.extend(other.lines.iter().cloned());
        self
    }

    /// Starts a new paragraph, unless nothing has been written yet.
    pub fn blank(mut self) -> Self {
        if self.lines.last().is_some_and(|last| !last.is_empty()) {
            self.lines.push(String::new());
        }
        self
    }

    /// Adds spec prose on one line, its lines joined by spaces, made safe for
    /// rustdoc; for short docs repeated many times, such as error variants.
    pub fn one_line(mut self, prefix: &str, text: &str) -> Self {
        let joined: Vec<&str> = text
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty())
            .collect();
        self.lines.push(
            format!("{prefix}{}", escape_line(&joined.join(" "), self.links))
                .trim_end()
                .to_owned(),
        );
        self
    }

    /// Adds spec prose as a paragraph of its own, made safe for rustdoc.
    /// List items keep their nesting, four spaces a level; any other
    /// indentation is dropped, so that nothing becomes a code block.
    pub fn prose(mut self, text: &str) -> Self {
        if text.trim().is_empty() {
            return self;
        }
        self = self.blank();
        let mut previous_blank = false;
        let mut in_list = false;
        // The source indentation of the list items enclosing the next line.
        let mut enclosing_items: Vec<usize> = Vec::new();
        for line in text.lines() {
            let safe = escape_line(line, self.links);
            // Runs of blank lines collapse into one paragraph break.
            if safe.is_empty() && previous_blank {
                continue;
            }
            let list_item = is_list_item(&safe);
            let safe = if list_item {
                let indentation = indentation_of(line);
                while enclosing_items
                    .last()
                    .is_some_and(|enclosing| *enclosing >= indentation)
                {
                    enclosing_items.pop();
                }
                let depth = enclosing_items.len();
                enclosing_items.push(indentation);
                format!("{}{safe}", "    ".repeat(depth))
            } else {
                if !safe.is_empty() {
                    enclosing_items.clear();
                }
                safe
            };
            // Indentation is gone, so a line after a list item would be read
            // as a lazy continuation of it; a blank line makes it a paragraph.
            if in_list && !safe.is_empty() && !list_item {
                self.lines.push(String::new());
            }
            in_list = list_item;
            previous_blank = safe.is_empty();
            self.lines.push(safe);
        }
        while self.lines.last().is_some_and(String::is_empty) {
            self.lines.pop();
        }
        self
    }

    /// Adds optional spec prose.
    pub fn prose_opt(self, text: Option<&str>) -> Self {
        match text {
            Some(text) => self.prose(text),
            None => self,
        }
    }

    /// Adds a documented example value as inline code when it can be.
    pub fn example(self, example: Option<&str>) -> Self {
        match example {
            Some(example) if !example.trim().is_empty() => {
                // Surrounding whitespace (often a stray tab) is not part of
                // the value a reader should copy.
                let example = example.trim();
                let safe_inline = !example.contains(['`', '\n', '\t']);
                if safe_inline {
                    self.blank().line(format!("Example: `{example}`"))
                } else {
                    self.blank().line("Example:").prose(example)
                }
            }
            _ => self,
        }
    }

    /// `#[doc]` attributes for an item.
    pub fn outer(&self) -> TokenStream {
        let lines = self.lines.iter().map(|line| doc_text(line));
        quote! { #( #[doc = #lines] )* }
    }

    /// `#![doc]` attributes for a module or crate.
    pub fn inner(&self) -> TokenStream {
        let lines = self.lines.iter().map(|line| doc_text(line));
        quote! { #( #![doc = #lines] )* }
    }
}

/// The width of a line's leading whitespace, a tab counting four.
fn indentation_of(line: &str) -> usize {
    line.chars()
        .take_while(|character| character.is_whitespace())
        .map(|character| if character == '\t' { 4 } else { 1 })
        .sum()
}

/// Whether a (trimmed) line starts a Markdown list item: `-`, `*` or `+`
/// and a space, or a number followed by `.` or `)` and a space.
fn is_list_item(line: &str) -> bool {
    if ["- ", "* ", "+ "]
        .iter()
        .any(|marker| line.starts_with(marker))
    {
        return true;
    }
    let digits = line.len()
        - line
            .trim_start_matches(|character: char| character.is_ascii_digit())
            .len();
    digits > 0 && (line[digits..].starts_with(". ") || line[digits..].starts_with(") "))
}

/// Doc attributes hold the text after `///`; the conventional space comes
/// first unless the line is empty.
fn doc_text(line: &str) -> String {
    if line.is_empty() {
        String::new()
    } else {
        format!(" {line}")
    }
}

/// Inline code for a value known to the generator, such as an error code.
pub fn code_span(text: &str) -> String {
    if text.contains('`') {
        escape_line(text, None)
    } else {
        format!("`{text}`")
    }
}

/// Turns the website's conventions into plain Markdown, before escaping:
/// `•` bullets become list items, anchors to nothing (`[](#)`, and
/// `[Title](#)` in headings) go, keeping their label, and a space before a
/// colon after `Note` or a quote mark goes.
fn tidy_line(line: &str) -> String {
    let trimmed = line.trim();
    let tidied = match trimmed.strip_prefix('•') {
        Some(item) => format!("- {}", item.trim_start()),
        None => trimmed.to_owned(),
    };
    without_empty_anchors(&tidied)
        .replace("Note : ", "Note: ")
        .replacen("> : ", "> ", 1)
}

/// The line with every `[label](#)` replaced by its label.
fn without_empty_anchors(line: &str) -> String {
    let mut kept = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(end) = rest.find("](#)") {
        match rest[..end].rfind('[') {
            Some(start) => {
                kept.push_str(&rest[..start]);
                kept.push_str(&rest[start + 1..end]);
            }
            None => kept.push_str(&rest[..end + 4]),
        }
        rest = &rest[end + 4..];
    }
    kept.push_str(rest);
    kept
}

/// Turns the help-center references of the documentation's links
/// (`[text](~~26315~~)`) into the articles' URLs, for text that is not
/// rustdoc, such as the descriptions the CLI prints.
pub fn resolve_help_links(text: &str) -> String {
    let mut resolved = String::with_capacity(text.len() + 64);
    let mut rest = text;
    while let Some(start) = rest.find("](~~") {
        let after = &rest[start + 4..];
        let article_end = after.find("~~)").filter(|end| {
            *end > 0
                && after[..*end]
                    .chars()
                    .all(|character| character.is_ascii_digit())
        });
        match article_end {
            Some(end) => {
                resolved.push_str(&rest[..start]);
                resolved.push_str("](");
                resolved.push_str(HELP_ARTICLE_URL);
                resolved.push_str(&after[..end]);
                resolved.push_str(".htm)");
                rest = &after[end + 3..];
            }
            None => {
                resolved.push_str(&rest[..start + 4]);
                rest = after;
            }
        }
    }
    resolved.push_str(rest);
    resolved
}

/// A link at the start of `text`, written `[label](target)`, whose target
/// is a help-center reference (`~~26315~~`) or an `http(s)` URL, or whose
/// label is an operation `links` knows: the label, where it points (the
/// operation's item first, then the article's or the given URL), and the
/// length of the whole link.
fn link_at<'text>(
    text: &'text str,
    links: Option<&OperationLinks>,
) -> Option<(&'text str, String, usize)> {
    let rest = text.strip_prefix('[')?;
    let label_end = label_end(rest)?;
    let label = &rest[..label_end];
    let after = rest[label_end..].strip_prefix("](")?;
    let target_end = after.find(')')?;
    let target = &after[..target_end];
    let url = if let Some(operation) =
        links.and_then(|links| links.target(label.trim_matches(['*', '`'])))
    {
        operation.to_owned()
    } else if let Some(article) = target.strip_prefix("~~").and_then(|t| t.strip_suffix("~~")) {
        if article.is_empty() || !article.chars().all(|character| character.is_ascii_digit()) {
            return None;
        }
        format!("{HELP_ARTICLE_URL}{article}.htm")
    } else if (target.starts_with("https://") || target.starts_with("http://"))
        && !target.contains(char::is_whitespace)
    {
        target.to_owned()
    } else {
        return None;
    };
    // `[` + label + `](` + target + `)`
    Some((label, url, 1 + label_end + 2 + target_end + 1))
}

/// Where the label of a link ends (at its closing `]`), in the text after
/// its opening `[`: brackets inside it must be escaped (`\[`), as the
/// documentation writes them.
fn label_end(text: &str) -> Option<usize> {
    let mut characters = text.char_indices();
    while let Some((index, character)) = characters.next() {
        match character {
            '\\' => {
                characters.next();
            }
            '[' => return None,
            ']' => return Some(index),
            _ => {}
        }
    }
    None
}

/// Makes one line of documentation prose inert Markdown: leading
/// indentation (which would start a code block, hence a doctest) is
/// dropped, fences are broken, brackets and angle brackets are escaped so
/// they are neither links nor HTML (except the links [`link_at`] accepts,
/// which stay links, a leading `>`, which quotes, code spans, which
/// Markdown leaves alone, and the prose's own escapes such as `\_`), and URLs are wrapped in `<...>` so rustdoc
/// links them instead of warning. Operation names `links` knows become
/// links.
fn escape_line(line: &str, links: Option<&OperationLinks>) -> String {
    // Tabs inside prose become spaces: rustdoc and clippy both object to
    // tabs in documentation.
    let untabbed = tidy_line(&line.replace('\t', " "));
    let mut rest = untabbed.trim();
    let mut escaped = String::with_capacity(rest.len() + 8);
    if rest.starts_with("```") || rest.starts_with("~~~") {
        escaped.push('\\');
    } else if let Some(quoted) = rest.strip_prefix('>') {
        escaped.push_str("> ");
        rest = quoted.trim_start();
    }
    // The character before `rest`, to find where words start.
    let mut previous: Option<char> = None;
    while let Some(character) = rest.chars().next() {
        if let Some((label, url, length)) = link_at(rest, links) {
            escaped.push('[');
            escaped.push_str(&escape_line(label, None));
            escaped.push_str("](");
            escaped.push_str(&url);
            escaped.push(')');
            rest = &rest[length..];
            previous = Some(')');
            continue;
        }
        if character == '`' {
            if let Some(end) = rest[1..].find('`') {
                let code = &rest[..end + 2];
                match links.and_then(|links| links.target(&rest[1..end + 1])) {
                    Some(target) => {
                        escaped.push('[');
                        escaped.push_str(code);
                        escaped.push_str("](");
                        escaped.push_str(target);
                        escaped.push(')');
                    }
                    None => escaped.push_str(code),
                }
                rest = &rest[end + 2..];
                previous = Some('`');
                continue;
            }
        }
        if rest.starts_with("https://") || rest.starts_with("http://") {
            let end = rest
                .find(|candidate: char| {
                    candidate.is_whitespace() || "<>\"'`()[]{}，。".contains(candidate)
                })
                .unwrap_or(rest.len());
            let url = rest[..end].trim_end_matches(['.', ',', ';', ':', '!', '?']);
            escaped.push('<');
            escaped.push_str(url);
            escaped.push('>');
            rest = &rest[url.len()..];
            previous = Some('>');
            continue;
        }
        let starts_word = character.is_ascii_alphabetic()
            && !previous.is_some_and(|before| before.is_ascii_alphanumeric());
        if starts_word {
            let end = rest
                .find(|candidate: char| !candidate.is_ascii_alphanumeric())
                .unwrap_or(rest.len());
            let word = &rest[..end];
            match links.and_then(|links| links.target(word)) {
                Some(target) => {
                    escaped.push('[');
                    escaped.push_str(word);
                    escaped.push_str("](");
                    escaped.push_str(target);
                    escaped.push(')');
                }
                // Letters and digits need no escaping.
                None => escaped.push_str(word),
            }
            rest = &rest[end..];
            previous = word.chars().last();
            continue;
        }
        // A backslash before punctuation is the prose's own escape.
        if character == '\\' {
            if let Some(escaped_character) =
                rest[1..].chars().next().filter(char::is_ascii_punctuation)
            {
                escaped.push('\\');
                escaped.push(escaped_character);
                rest = &rest[1 + escaped_character.len_utf8()..];
                previous = Some(escaped_character);
                continue;
            }
        }
        if matches!(character, '[' | ']' | '<' | '>' | '\\') {
            escaped.push('\\');
        }
        escaped.push(character);
        rest = &rest[character.len_utf8()..];
        previous = Some(character);
    }
    escaped
}

/// What the docs of an operation only the SDK metadata describes say about
/// it, in the module documentation of the client and of its errors.
pub const SDK_ONLY_NOTE: &[&str] = &[
    "**Alibaba publishes no reference page for this operation.** It is described",
    "by the metadata of Alibaba's official SDKs, which the SDKs are generated",
    "from: its parameters and response fields carry that metadata's",
    "descriptions, and its error enum lists only the errors every operation",
    "can answer (those the API's documentation lists for nearly every",
    "operation, and the gateway's), since no error table is published for it.",
];

/// The description, unless it only repeats the message (as many
/// documentation rows do), in which case the docs show the text once.
pub fn distinct_description<'row>(
    description: Option<&'row str>,
    message: &str,
) -> Option<&'row str> {
    description.filter(|description| description.trim() != message.trim())
}

/// The documentation of a parameter or field: the spec's description, the
/// wire name, documented values, example and deprecation.
pub fn member_docs<'links>(member: &Member<'_>, links: &'links OperationLinks) -> Docs<'links> {
    let wire_name = code_span(member.wire_name);
    let docs = Docs::new().linking(links);
    let docs = match member.description {
        Some(description) if !description.trim().is_empty() => docs.prose(description),
        _ => docs.line(format!("The {wire_name} value.")),
    };
    let docs = docs.blank().line(format!("Wire name: {wire_name}."));
    let docs = if member.enum_values.is_empty() {
        docs
    } else {
        let values: Vec<String> = member
            .enum_values
            .iter()
            .map(|value| code_span(value))
            .collect();
        docs.blank()
            .line(format!("Documented values: {}.", values.join(", ")))
    };
    let docs = docs.example(member.example);
    if member.deprecated {
        docs.blank()
            .line("**Deprecated** by the service documentation.")
    } else {
        docs
    }
}

#[cfg(test)]
mod tests {
    use super::{escape_line, resolve_help_links, Docs, OperationLinks};

    fn links() -> OperationLinks {
        OperationLinks {
            targets: [
                (
                    "DescribeDBInstances",
                    "crate::Client::describe_db_instances",
                ),
                ("DescribeRegions", "crate::Client::describe_regions"),
            ]
            .into_iter()
            .map(|(name, target)| (name.to_owned(), target.to_owned()))
            .collect(),
        }
    }

    #[test]
    fn operation_names_become_intra_doc_links() {
        let links = links();
        let linked = |line: &str| escape_line(line, Some(&links));
        assert_eq!(
            linked("Call the DescribeDBInstances operation."),
            "Call the [DescribeDBInstances](crate::Client::describe_db_instances) operation."
        );
        assert_eq!(
            linked("Call **DescribeRegions** first."),
            "Call **[DescribeRegions](crate::Client::describe_regions)** first."
        );
        assert_eq!(
            linked("see [DescribeRegions](~~610399~~)."),
            "see [DescribeRegions](crate::Client::describe_regions)."
        );
        assert_eq!(
            linked("use `DescribeRegions` or `other`"),
            "use [`DescribeRegions`](crate::Client::describe_regions) or `other`"
        );
        // Longer names and names inside words are not operations.
        assert_eq!(
            linked("DescribeDBInstancesByPerformance and xDescribeRegions"),
            "DescribeDBInstancesByPerformance and xDescribeRegions"
        );
        // A label that only mentions an operation keeps its article.
        assert_eq!(
            linked("[Call DescribeRegions](~~1~~)"),
            "[Call DescribeRegions](https://www.alibabacloud.com/help/doc-detail/1.htm)"
        );
    }

    #[test]
    fn headings_quotes_code_spans_and_nested_lists_survive() {
        assert_eq!(escape_line("### [Usage notes](#)", None), "### Usage notes");
        assert_eq!(
            escape_line("> Before you call [this](~~2~~):", None),
            "> Before you call [this](https://www.alibabacloud.com/help/doc-detail/2.htm):"
        );
        assert_eq!(escape_line("`a[0] <b>`", None), "`a[0] <b>`");
        // The prose's own escapes are kept, even inside a link's label.
        assert_eq!(
            escape_line(r"see [\[Notice\] Optimization](~~3~~) and (\_)", None),
            r"see [\[Notice\] Optimization](https://www.alibabacloud.com/help/doc-detail/3.htm) and (\_)"
        );
        assert_eq!(escape_line(r"C:\dir", None), r"C:\\dir");
        let docs = Docs::new().prose(
            "Valid values:\n\n*   Parent:\n\n    *   child\n    *   sibling\n\n        1. grandchild\n\n*   next\nAfter.",
        );
        assert_eq!(
            docs.lines,
            [
                "Valid values:",
                "",
                "*   Parent:",
                "",
                "    *   child",
                "    *   sibling",
                "",
                "        1. grandchild",
                "",
                "*   next",
                "",
                "After.",
            ]
        );
        // An indented line that is not a list item cannot become code.
        let docs = Docs::new().prose("Text:\n\n    let x = 1;");
        assert_eq!(docs.lines, ["Text:", "", "let x = 1;"]);
    }

    #[test]
    fn help_center_references_resolve_in_plain_text() {
        assert_eq!(
            resolve_help_links("see [Limits](~~25412~~) and [x](~~y~~)"),
            "see [Limits](https://www.alibabacloud.com/help/doc-detail/25412.htm) and [x](~~y~~)"
        );
    }

    #[test]
    fn website_conventions_become_plain_markdown() {
        assert_eq!(
            escape_line("see [Instance statuses](~~26315~~).", None),
            "see [Instance statuses](https://www.alibabacloud.com/help/doc-detail/26315.htm)."
        );
        assert_eq!(
            escape_line("see [the guide](https://example.com/a)", None),
            "see [the guide](https://example.com/a)"
        );
        assert_eq!(escape_line("### [](#)References", None), "### References");
        assert_eq!(escape_line("  • PostgreSQL", None), "- PostgreSQL");
        assert_eq!(
            escape_line("Note : Before you call", None),
            "Note: Before you call"
        );
        // A reference that is not a number is left as text.
        assert_eq!(escape_line("[x](~~abc~~)", None), "\\[x\\](~~abc~~)");
    }

    #[test]
    fn prose_cannot_become_code_links_or_html() {
        assert_eq!(escape_line("    let x = 1;", None), "let x = 1;");
        assert_eq!(escape_line("```json", None), "\\```json");
        assert_eq!(
            escape_line("see [DescribeRegions]", None),
            "see \\[DescribeRegions\\]"
        );
        assert_eq!(escape_line("a <b> tag", None), "a \\<b\\> tag");
        assert_eq!(
            escape_line("visit https://example.com/a?b=1.", None),
            "visit <https://example.com/a?b=1>."
        );
    }
}
