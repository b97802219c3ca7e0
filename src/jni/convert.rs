//! Attribute values into plain Rust [`Value`]s: numbers, strings, booleans, `CompositeData` items; anything
//! else (enums such as Kafka 4.1's `ConnectorType`) by its `toString()`.
//!
//! Why the order of the checks: a read converts 64,000 values at 1,000 tasks, most of them `Double`s, then
//! `String`s (class names, versions, states); each is recognised with as few JNI calls as its kind allows.

use std::collections::HashMap;

use jni::errors::{Error as JniError, Result as JResult};
use jni::objects::{JObject, JString};
use jni::refs::Global;

use super::methods::Methods;
use super::raw::NoPending;
use crate::collect::snapshot::Value;

/// A `String` as a Rust `String`; null is an error.
pub fn text(ok: &NoPending<'_, '_>, s: &JString<'_>) -> JResult<String> {
    if s.is_null() {
        return Err(JniError::NullPtr("string"));
    }
    let mut chars = Vec::new();
    ok.string_chars(s, &mut chars);
    // Java strings may hold unpaired surrogates, which UTF-8 cannot; they become U+FFFD.
    Ok(String::from_utf16_lossy(&chars))
}

/// `value` as a [`Value`]; `None` for null (or a `toString()` that returned null). `items`: the
/// `CompositeData` items wanted, whose keys are in `item_keys`.
pub fn convert(
    m: &Methods,
    item_keys: &HashMap<&'static str, Global<JString<'static>>>,
    ok: &mut NoPending<'_, '_>,
    value: &JObject<'_>,
    items: &[&'static str],
) -> JResult<Option<Value>> {
    if value.is_null() {
        return Ok(None);
    }
    // One check each for the usual kinds: a Double (most values), then a String, before the other boxes.
    let (first, others) = m.boxes.split_at(m.boxes.len().min(1));
    if let Some(n) = m.boxed(ok, value, first) {
        return Ok(Some(Value::Number(n)));
    }
    let mut chars = Vec::new();
    if m.string_chars(ok, value, &mut chars) {
        // What toString() would return: the String itself.
        return Ok(Some(Value::Text(String::from_utf16_lossy(&chars))));
    }
    if let Some(n) = m.number_after(ok, value, others)? {
        return Ok(Some(Value::Number(n)));
    }
    if let Some(b) = m.boolean(ok, value)? {
        return Ok(Some(Value::Bool(b)));
    }
    if !items.is_empty() {
        if let Some(composite) = m.composite(ok, value) {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                if let Some(v) = m.composite_item(ok, &composite, &item_keys[item])? {
                    if let Some(n) = m.number(ok, &v)? {
                        out.push((item.to_string(), n));
                    }
                    ok.delete_local_ref(v);
                }
            }
            return Ok(Some(Value::Composite(out)));
        }
    }
    // Enums such as Kafka 4.1's ConnectorType, and anything else, by their toString().
    match m.to_string(ok, value)? {
        Some(s) => Ok(Some(Value::Text(text(ok, &s)?))),
        None => Ok(None),
    }
}
