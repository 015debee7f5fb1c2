//! Proto doc text as rustdoc.

/// Proto doc text as rustdoc: markdown links become `text (<url>)`, bare URLs `<url>`, and the
/// brackets and angle brackets left over are escaped (they are neither links nor HTML).
pub(crate) fn doc_escape(text: &str) -> String {
    let text = text.replace('\u{2063}', "");
    let text = text.trim();
    let mut urls: Vec<String> = Vec::new();
    let text = replace_links(text, &mut urls);
    let text = replace_bare_urls(&text, &mut urls);
    let text = text
        .replace('[', "\\[")
        .replace(']', "\\]")
        .replace('<', "\\<")
        .replace('>', "\\>");
    // put the URLs back, as autolinks
    let mut out = String::with_capacity(text.len());
    let mut parts = text.split('\0');
    if let Some(first) = parts.next() {
        out.push_str(first);
    }
    while let (Some(index), Some(after)) = (parts.next(), parts.next()) {
        let url = index.parse::<usize>().ok().and_then(|i| urls.get(i));
        match url {
            Some(url) => out.push_str(&format!("<{url}>")),
            None => out.push_str(index),
        }
        out.push_str(after);
    }
    out
}

/// A placeholder that no later step alters: NUL, the URL's index, NUL.
fn keep(url: &str, urls: &mut Vec<String>) -> String {
    urls.push(url.to_owned());
    format!("\0{}\0", urls.len() - 1)
}

/// The length of `http://` or `https://` at the start of `s`, if there is one.
fn scheme_len(s: &str) -> Option<usize> {
    ["https://", "http://"]
        .iter()
        .find(|p| s.starts_with(*p))
        .map(|p| p.len())
}

/// `[text](http://url)` → `text (<placeholder>)`.
fn replace_links(text: &str, urls: &mut Vec<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        out.push_str(&rest[..open]);
        let candidate = &rest[open..];
        match parse_link(candidate) {
            Some((label, url, len)) => {
                let placeholder = keep(url, urls);
                out.push_str(&format!("{label} ({placeholder})"));
                rest = &candidate[len..];
            }
            None => {
                out.push('[');
                rest = &candidate[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// At a `[`: the label, the URL and the length of a markdown link with an http(s) URL.
fn parse_link(s: &str) -> Option<(&str, &str, usize)> {
    let close = s.find(']')?;
    let label = &s[1..close];
    let after = s[close + 1..].strip_prefix('(')?;
    let scheme = scheme_len(after)?;
    let url_len = after
        .find(|c: char| c == ')' || c.is_whitespace())
        .filter(|&end| end > scheme && after[end..].starts_with(')'))?;
    let url = &after[..url_len];
    Some((label, url, close + 2 + url_len + 1))
}

/// Bare `http(s)://…` URLs → placeholders; a URL does not end in `.`, `,`, `;` or `:`.
fn replace_bare_urls(text: &str, urls: &mut Vec<String>) -> String {
    let stops = |c: char| c.is_whitespace() || matches!(c, ')' | '>' | ']');
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        let rest = &text[i..];
        if let Some(scheme) = scheme_len(rest) {
            let run = rest[scheme..]
                .find(stops)
                .map_or(rest.len(), |n| scheme + n);
            // the last character of the run that may end a URL
            let end = rest[scheme..run]
                .char_indices()
                .rfind(|(_, c)| !matches!(c, '.' | ',' | ';' | ':'))
                .map(|(at, c)| scheme + at + c.len_utf8());
            if let Some(end) = end {
                out.push_str(&keep(&rest[..end], urls));
                i += end;
                continue;
            }
        }
        let c = rest.chars().next().unwrap_or_default();
        out.push(c);
        i += c.len_utf8().max(1);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::doc_escape;

    #[test]
    fn markdown_links_become_text_and_autolink() {
        assert_eq!(
            doc_escape("See [the docs](https://istio.io/docs/x) for more."),
            "See the docs (<https://istio.io/docs/x>) for more."
        );
    }

    #[test]
    fn bare_urls_are_autolinks_without_trailing_punctuation() {
        assert_eq!(
            doc_escape("Read https://example.com/a.b, then stop."),
            "Read <https://example.com/a.b>, then stop."
        );
    }

    #[test]
    fn brackets_and_angles_are_escaped() {
        assert_eq!(doc_escape("a [b] <c>"), "a \\[b\\] \\<c\\>");
        assert_eq!(doc_escape("[x](ftp://y)"), "\\[x\\](ftp://y)");
    }

    #[test]
    fn invisible_separator_and_blanks_are_dropped() {
        assert_eq!(doc_escape("\u{2063}  text \n"), "text");
    }
}
