//! `sekisho profiles`: AWS config and credentials snippets, one profile per account, pointing at sekisho.

use super::{endpoint, option, parse_options};

pub fn run(args: &[String]) -> Result<(), String> {
    let (options, mut accounts) = parse_options(args, &["endpoint", "region", "secret"])?;
    if accounts.is_empty() {
        accounts = vec!["111111111111".to_string(), "222222222222".to_string()];
    }
    for a in &accounts {
        if !sekisho_core::ids::is_account_id(a) {
            return Err(format!("{a:?} is not an account id (12 digits)"));
        }
    }
    let endpoint = endpoint(&options);
    let region = option(&options, "region").unwrap_or("us-east-1");
    let secret = option(&options, "secret").unwrap_or("test");
    print!("{}", render(&accounts, &endpoint, region, secret));
    Ok(())
}

fn render(accounts: &[String], endpoint: &str, region: &str, secret: &str) -> String {
    let mut s = String::from("# Append to ~/.aws/config\n");
    for a in accounts {
        s.push_str(&format!("[profile sekisho-{a}]\nregion = {region}\nendpoint_url = {endpoint}\n\n"));
    }
    s.push_str("# Append to ~/.aws/credentials (each account's root user: access key id = account id)\n");
    for a in accounts {
        s.push_str(&format!("[sekisho-{a}]\naws_access_key_id = {a}\naws_secret_access_key = {secret}\n\n"));
    }
    s
}

#[cfg(test)]
mod tests {
    #[test]
    fn renders_one_profile_per_account() {
        let s = super::render(&["111111111111".into()], "http://127.0.0.1:4566", "us-east-1", "test");
        assert!(
            s.contains("[profile sekisho-111111111111]\nregion = us-east-1\nendpoint_url = http://127.0.0.1:4566\n")
        );
        assert!(s.contains("[sekisho-111111111111]\naws_access_key_id = 111111111111\naws_secret_access_key = test\n"));
    }
}
