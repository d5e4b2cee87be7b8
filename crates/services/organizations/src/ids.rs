//! Organizations' identifiers in AWS's shapes: `o-` + 10, `r-` + 4, `ou-<root>-` + 8, `p-` + 8, `h-` + 10,
//! `car-` + 32 lower-case letters or digits, and 12-digit ids for new accounts.

use sekisho_core::ids::lower_alnum;

pub fn organization() -> String {
    format!("o-{}", lower_alnum(10))
}

pub fn root() -> String {
    format!("r-{}", lower_alnum(4))
}

/// An OU id carries its root's suffix: `ou-ab12-xxxxxxxx` under `r-ab12`.
pub fn unit(root_id: &str) -> String {
    let suffix = root_id.strip_prefix("r-").unwrap_or(root_id);
    format!("ou-{suffix}-{}", lower_alnum(8))
}

pub fn policy() -> String {
    format!("p-{}", lower_alnum(8))
}

pub fn handshake() -> String {
    format!("h-{}", lower_alnum(10))
}

pub fn create_account_request() -> String {
    format!("car-{}", lower_alnum(32))
}

/// Twelve random digits (the letters drawn are skipped, so every digit is equally likely).
pub fn account() -> String {
    let mut out = String::with_capacity(12);
    while out.len() < 12 {
        out.extend(lower_alnum(24).chars().filter(char::is_ascii_digit).take(12 - out.len()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_match_the_model_patterns() {
        let o = organization();
        assert!(o.starts_with("o-") && o.len() == 12);
        let r = root();
        let ou = unit(&r);
        assert!(ou.starts_with(&format!("ou-{}-", &r[2..])) && ou.len() == 3 + 4 + 1 + 8);
        assert_eq!(policy().len(), 10);
        assert_eq!(handshake().len(), 12);
        assert_eq!(create_account_request().len(), 36);
        let a = account();
        assert!(sekisho_core::ids::is_account_id(&a), "{a}");
        assert_ne!(account(), account());
    }
}
