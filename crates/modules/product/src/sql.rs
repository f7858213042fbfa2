//! SQL functions used by the queries.

use diesel::sql_types::{Integer, Text};

#[diesel::declare_sql_function]
extern "SQL" {
    /// `string_to_array(text, sep)`: a category's `mpath` as its ancestor ids.
    fn string_to_array(text: Text, separator: Text) -> Array<Text>;
    /// `substr(text, from)` (1-based).
    fn substr(text: Text, from: Integer) -> Text;
}
