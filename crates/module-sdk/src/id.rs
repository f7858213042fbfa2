//! Medusa-style identifiers: `<prefix>_<ULID>`.

/// A new id with the entity's prefix, e.g. `prod_01JB2X…` (26 Crockford
/// base32 characters after the underscore). Ids sort by creation time.
pub fn generate_id(prefix: &str) -> String {
    let ulid = ulid::Ulid::new();
    let mut id = String::with_capacity(prefix.len() + 27);
    id.push_str(prefix);
    id.push('_');
    id.push_str(&ulid.to_string());
    id
}

/// Keep a caller-supplied id, otherwise generate one (Medusa's `generateEntityId`).
pub fn id_or_generate(id: Option<String>, prefix: &str) -> String {
    match id {
        Some(id) if !id.is_empty() => id,
        _ => generate_id(prefix),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_prefix_and_ulid() {
        let id = generate_id("variant");
        let (prefix, ulid) = id.split_once('_').unwrap();
        assert_eq!(prefix, "variant");
        assert!(ulid::Ulid::from_string(ulid).is_ok());
    }

    #[test]
    fn ids_are_unique_and_ordered() {
        let a = generate_id("prod");
        std::thread::sleep(std::time::Duration::from_millis(2));
        let b = generate_id("prod");
        assert!(a < b);
    }

    #[test]
    fn caller_ids_are_kept() {
        assert_eq!(id_or_generate(Some("prod_x".into()), "prod"), "prod_x");
        assert!(id_or_generate(None, "prod").starts_with("prod_"));
    }
}
