//! Rustdoc assembled from spec prose.
//!
//! The documentation's prose is Markdown written for Alibaba Cloud's
//! website. [`Docs`] makes it safe and tidy for rustdoc: no accidental code
//! blocks (which would become doctests), no stray HTML tags, bare URLs
//! wrapped so rustdoc links them, and the website's own conventions turned
//! into plain Markdown: its help-center links (`[text](~~26315~~)`) become
//! real links, its empty heading anchors (`### [](#)Title`) and bullet
//! characters (`• item`) are dropped or made list items, and its stray
//! spaces before colons (`Note : Before`) are removed.

use proc_macro2::TokenStream;
use quote::quote;

use crate::resolve::Member;

/// Where the documentation's help-center references (`~~26315~~`) point:
/// the article of that number on Alibaba Cloud's help center.
const HELP_ARTICLE_URL: &str = "https://www.alibabacloud.com/help/doc-detail/";

/// Rustdoc being assembled from spec prose, one line at a time.
#[derive(Debug, Default, Clone)]
pub struct Docs {
    lines: Vec<String>,
}

impl Docs {
    /// Empty documentation.
    pub fn new() -> Self {
        Docs::default()
    }

    /// Adds a line written by the generator itself (trusted Markdown).
    pub fn line(mut self, line: impl Into<String>) -> Self {
        self.lines.push(line.into());
        self
    }

    /// Adds every line of `other`.
    pub fn append(mut self, other: &Docs) -> Self {
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
            format!("{prefix}{}", escape_line(&joined.join(" ")))
                .trim_end()
                .to_owned(),
        );
        self
    }

    /// Adds spec prose as a paragraph of its own, made safe for rustdoc.
    pub fn prose(mut self, text: &str) -> Self {
        if text.trim().is_empty() {
            return self;
        }
        self = self.blank();
        let mut previous_blank = false;
        let mut in_list = false;
        for line in text.lines() {
            let safe = escape_line(line);
            // Runs of blank lines collapse into one paragraph break.
            if safe.is_empty() && previous_blank {
                continue;
            }
            // Indentation is gone, so a line after a list item would be read
            // as a lazy continuation of it; a blank line makes it a paragraph.
            let list_item = is_list_item(&safe);
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
        escape_line(text)
    } else {
        format!("`{text}`")
    }
}

/// Turns the website's conventions into plain Markdown, before escaping:
/// `•` bullets become list items, empty anchors before headings go, and a
/// space before a colon after `Note` or a quote mark goes.
fn tidy_line(line: &str) -> String {
    let trimmed = line.trim();
    let tidied = match trimmed.strip_prefix('•') {
        Some(item) => format!("- {}", item.trim_start()),
        None => trimmed.to_owned(),
    };
    tidied
        .replace("[](#)", "")
        .replace("Note : ", "Note: ")
        .replacen("> : ", "> ", 1)
}

/// A link at the start of `text`, written `[label](target)`, whose target
/// is a help-center reference (`~~26315~~`) or an `http(s)` URL: the label,
/// the URL it points to, and the length of the whole link.
fn link_at(text: &str) -> Option<(&str, String, usize)> {
    let rest = text.strip_prefix('[')?;
    let label_end = rest.find("](")?;
    let label = &rest[..label_end];
    if label.contains(['[', ']']) {
        return None;
    }
    let after = &rest[label_end + 2..];
    let target_end = after.find(')')?;
    let target = &after[..target_end];
    let url = if let Some(article) = target.strip_prefix("~~").and_then(|t| t.strip_suffix("~~")) {
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

/// Makes one line of documentation prose inert Markdown: leading
/// indentation (which would start a code block, hence a doctest) is
/// dropped, fences are broken, brackets and angle brackets are escaped so
/// they are neither links nor HTML (except the links [`link_at`] accepts,
/// which stay links), and URLs are wrapped in `<...>` so rustdoc links them
/// instead of warning.
fn escape_line(line: &str) -> String {
    // Tabs inside prose become spaces: rustdoc and clippy both object to
    // tabs in documentation.
    let untabbed = tidy_line(&line.replace('\t', " "));
    let trimmed = untabbed.trim();
    let mut escaped = String::with_capacity(trimmed.len() + 8);
    if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
        escaped.push('\\');
    }
    let mut rest = trimmed;
    while let Some(character) = rest.chars().next() {
        if let Some((label, url, length)) = link_at(rest) {
            escaped.push('[');
            escaped.push_str(&escape_line(label));
            escaped.push_str("](");
            escaped.push_str(&url);
            escaped.push(')');
            rest = &rest[length..];
            continue;
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
            continue;
        }
        if matches!(character, '[' | ']' | '<' | '>' | '\\') {
            escaped.push('\\');
        }
        escaped.push(character);
        rest = &rest[character.len_utf8()..];
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
pub fn member_docs(member: &Member<'_>) -> Docs {
    let wire_name = code_span(member.wire_name);
    let docs = match member.description {
        Some(description) if !description.trim().is_empty() => Docs::new().prose(description),
        _ => Docs::new().line(format!("The {wire_name} value.")),
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
    use super::escape_line;

    #[test]
    fn website_conventions_become_plain_markdown() {
        assert_eq!(
            escape_line("see [Instance statuses](~~26315~~)."),
            "see [Instance statuses](https://www.alibabacloud.com/help/doc-detail/26315.htm)."
        );
        assert_eq!(
            escape_line("see [the guide](https://example.com/a)"),
            "see [the guide](https://example.com/a)"
        );
        assert_eq!(escape_line("### [](#)References"), "### References");
        assert_eq!(escape_line("  • PostgreSQL"), "- PostgreSQL");
        assert_eq!(
            escape_line("Note : Before you call"),
            "Note: Before you call"
        );
        // A reference that is not a number is left as text.
        assert_eq!(escape_line("[x](~~abc~~)"), "\\[x\\](~~abc~~)");
    }

    #[test]
    fn prose_cannot_become_code_links_or_html() {
        assert_eq!(escape_line("    let x = 1;"), "let x = 1;");
        assert_eq!(escape_line("```json"), "\\```json");
        assert_eq!(
            escape_line("see [DescribeRegions]"),
            "see \\[DescribeRegions\\]"
        );
        assert_eq!(escape_line("a <b> tag"), "a \\<b\\> tag");
        assert_eq!(
            escape_line("visit https://example.com/a?b=1."),
            "visit <https://example.com/a?b=1>."
        );
    }
}
