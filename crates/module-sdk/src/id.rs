//! Medusa-style identifiers: `<prefix>_<ULID>`.

use std::sync::Mutex;

/// Monotonic within a millisecond, so ids made in one go (a product's
/// options and values) sort in the order they were made, and anything ordered
/// by id is deterministic.
static GENERATOR: Mutex<ulid::Generator> = Mutex::new(ulid::Generator::new());

/// A new id with the entity's prefix, e.g. `prod_01JB2X…` (26 Crockford
/// base32 characters after the underscore). Ids made by this process sort by
/// creation order.
pub fn generate_id(prefix: &str) -> String {
    let ulid = GENERATOR
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .generate()
        .unwrap_or_else(|_| ulid::Ulid::new());
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
        // Within one millisecond too.
        let many: Vec<String> = (0..1000).map(|_| generate_id("x")).collect();
        assert!(many.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn caller_ids_are_kept() {
        assert_eq!(id_or_generate(Some("prod_x".into()), "prod"), "prod_x");
        assert!(id_or_generate(None, "prod").starts_with("prod_"));
    }
}
