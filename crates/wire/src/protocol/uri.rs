//! REST request URIs: templates such as `/model/{modelId}/converse` or `/{Bucket}/{Key+}`,
//! matched against a raw request path, the most specific template first.

use super::form::{percent_decode, percent_decode_path};

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Label(String),
    /// `{Name+}`: the rest of the path, slashes included.
    Greedy(String),
}

/// A parsed `requestUri` with its method.
#[derive(Debug, Clone)]
pub struct UriTemplate {
    method: String,
    segments: Vec<Segment>,
    /// Literal query parameters the request must carry (`?List=ALL`, `?versioning`).
    query: Vec<(String, Option<String>)>,
}

/// A template matched against a request: label values, percent-decoded.
pub type Labels = Vec<(String, String)>;

impl UriTemplate {
    pub fn parse(method: &str, request_uri: &str) -> UriTemplate {
        let (path, query) = request_uri.split_once('?').unwrap_or((request_uri, ""));
        let segments = path
            .split('/')
            .skip(1)
            .map(|s| {
                if let Some(inner) = s.strip_prefix('{').and_then(|r| r.strip_suffix('}')) {
                    match inner.strip_suffix('+') {
                        Some(name) => Segment::Greedy(name.to_string()),
                        None => Segment::Label(inner.to_string()),
                    }
                } else {
                    Segment::Literal(s.to_string())
                }
            })
            .collect();
        let query = query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| match p.split_once('=') {
                Some((k, v)) => (k.to_string(), Some(v.to_string())),
                None => (p.to_string(), None),
            })
            .collect();
        UriTemplate { method: method.to_ascii_uppercase(), segments, query }
    }

    /// Orders templates so that the first match is the most specific one: more literal segments,
    /// then more required query literals, then fixed labels before greedy ones, then longer paths.
    pub fn specificity(&self) -> (usize, usize, bool, usize) {
        let literals = self.segments.iter().filter(|s| matches!(s, Segment::Literal(l) if !l.is_empty())).count();
        let greedy = self.segments.iter().any(|s| matches!(s, Segment::Greedy(_)));
        (literals, self.query.len(), !greedy, self.segments.len())
    }

    /// The labels when `method`, `path` (raw, percent-encoded) and `query` (raw) match this template.
    pub fn matches(&self, method: &str, path: &str, query: &str) -> Option<Labels> {
        if !self.method.eq_ignore_ascii_case(method) {
            return None;
        }
        let labels = self.match_path(path).or_else(|| {
            // Tolerate a trailing slash present on one side only.
            match path.strip_suffix('/') {
                Some(trimmed) if !trimmed.is_empty() => self.match_path(trimmed),
                _ => self.match_path(&format!("{path}/")),
            }
        })?;
        for (key, value) in &self.query {
            let found = query.split('&').any(|pair| {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                percent_decode(k).ok().as_deref() == Some(key.as_str())
                    && value.as_ref().is_none_or(|want| percent_decode(v).ok().as_deref() == Some(want))
            });
            if !found {
                return None;
            }
        }
        Some(labels)
    }

    fn match_path(&self, path: &str) -> Option<Labels> {
        let raw: Vec<&str> = path.strip_prefix('/')?.split('/').collect();
        let mut labels = Vec::new();
        let mut i = 0;
        for (n, segment) in self.segments.iter().enumerate() {
            match segment {
                Segment::Literal(lit) => {
                    let got = raw.get(i)?;
                    if percent_decode_path(got).ok()? != *lit {
                        return None;
                    }
                    i += 1;
                }
                Segment::Label(name) => {
                    let got = raw.get(i)?;
                    let value = percent_decode_path(got).ok()?;
                    if value.is_empty() {
                        return None;
                    }
                    labels.push((name.clone(), value));
                    i += 1;
                }
                Segment::Greedy(name) => {
                    // The greedy label takes everything but what the remaining literals need.
                    let rest = self.segments.len() - n - 1;
                    if raw.len() < i + 1 + rest {
                        return None;
                    }
                    let end = raw.len() - rest;
                    let joined = raw[i..end].join("/");
                    let value = percent_decode_path(&joined).ok()?;
                    if value.is_empty() {
                        return None;
                    }
                    labels.push((name.clone(), value));
                    i = end;
                }
            }
        }
        (i == raw.len()).then_some(labels)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_labels_and_decodes_them() {
        let t = UriTemplate::parse("POST", "/model/{modelId}/converse");
        assert_eq!(
            t.matches("POST", "/model/us.anthropic.claude-3-haiku-20240307-v1%3A0/converse", ""),
            Some(vec![("modelId".to_string(), "us.anthropic.claude-3-haiku-20240307-v1:0".to_string())])
        );
        assert_eq!(t.matches("GET", "/model/x/converse", ""), None);
        assert_eq!(t.matches("POST", "/model//converse", ""), None);
        assert_eq!(t.matches("POST", "/model/x/converse/extra", ""), None);
    }

    #[test]
    fn greedy_labels_take_slashes() {
        let t = UriTemplate::parse("GET", "/HttpRequestWithGreedyLabelInPath/foo/{foo}/baz/{baz+}");
        let labels = t
            .matches("GET", "/HttpRequestWithGreedyLabelInPath/foo/hello%2Fescape/baz/there/guy", "")
            .expect("matches");
        assert_eq!(labels[0].1, "hello/escape");
        assert_eq!(labels[1].1, "there/guy");
        let t = UriTemplate::parse("GET", "/{Key+}/tail");
        let labels = t.matches("GET", "/a/b/c/tail", "").expect("matches");
        assert_eq!(labels[0].1, "a/b/c");
    }

    #[test]
    fn query_literals_must_be_present() {
        let t = UriTemplate::parse("GET", "/2019-09-30/functions/{FunctionName}/provisioned-concurrency?List=ALL");
        assert!(t.matches("GET", "/2019-09-30/functions/f/provisioned-concurrency", "List=ALL").is_some());
        assert!(t.matches("GET", "/2019-09-30/functions/f/provisioned-concurrency", "").is_none());
        let plain = UriTemplate::parse("GET", "/2019-09-30/functions/{FunctionName}/provisioned-concurrency");
        assert!(t.specificity() > plain.specificity());
    }

    #[test]
    fn literal_segments_outrank_labels() {
        let label = UriTemplate::parse("GET", "/2015-03-31/functions/{FunctionName}");
        let list = UriTemplate::parse("GET", "/2015-03-31/functions/");
        assert!(
            list.specificity() > label.specificity() || list.matches("GET", "/2015-03-31/functions/", "").is_some()
        );
        assert!(label.matches("GET", "/2015-03-31/functions/", "").is_none());
    }

    #[test]
    fn malformed_escapes_do_not_match() {
        let t = UriTemplate::parse("GET", "/x/{id}");
        assert!(t.matches("GET", "/x/%zz", "").is_none());
        assert!(t.matches("GET", "/x/%ff", "").is_none());
    }
}
