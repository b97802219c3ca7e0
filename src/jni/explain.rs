//! What the reader says about a read error or a null value it counts: the MBean, the attribute and why.
//!
//! Why here: `getAttributes` only leaves a failing attribute out, so the exception is learnt by reading that
//! attribute alone. Each function runs only when [`Explainer`](crate::diag::explain::Explainer) lets a line
//! through (once per ten minutes per kind and MBean type), never on every cycle. No value of an attribute is
//! ever shown (a text value may carry configuration): only names, classes and exceptions.

use jni::objects::JObject;

use super::methods::{Methods, Name};
use super::raw::NoPending;

/// Local references this module makes per call, in a frame of their own: the reader's frame has room for
/// what it reads, not for this.
const FRAME: usize = 32;

/// The MBean's canonical name.
pub fn mbean(m: &Methods, ok: &mut NoPending<'_, '_>, name: &Name<'_>) -> String {
    let mut buf = Vec::new();
    match m.canonical_name(ok, name, &mut buf) {
        Ok(()) => String::from_utf16_lossy(&buf),
        Err(e) => format!("(an MBean whose name cannot be read: {e})"),
    }
}

/// Attributes `getAttributes` left out, and what each throws when read alone.
pub fn missing<'a>(
    m: &Methods,
    ok: &mut NoPending<'_, '_>,
    name: &Name<'_>,
    left_out: impl Iterator<Item = &'a str>,
) -> String {
    let mut out = format!("{}: getAttributes left out", mbean(m, ok, name));
    let mut first = true;
    for attribute in left_out {
        let why = match ok.frame(FRAME, |ok| m.attribute_failure(ok, name, attribute)) {
            Ok(Some(exception)) => format!("getAttribute throws {exception}"),
            Ok(None) => "it reads now: a failure that passed".to_string(),
            Err(e) => format!("reading it alone failed too: {e}"),
        };
        out.push_str(if first { " " } else { "; " });
        out.push_str(&format!("attribute {attribute} ({why})"));
        first = false;
    }
    out
}

/// An attribute whose value is null.
pub fn null_value(m: &Methods, ok: &mut NoPending<'_, '_>, name: &Name<'_>, attribute: &str) -> String {
    format!(
        "{}: attribute {attribute} is null (the MBean has no value for it), left out",
        mbean(m, ok, name)
    )
}

/// A value that could not be converted (the exception is cleared already).
pub fn conversion(
    m: &Methods,
    ok: &mut NoPending<'_, '_>,
    name: &Name<'_>,
    attribute: &str,
    value: &JObject<'_>,
) -> String {
    let class = ok
        .frame(FRAME, |ok| m.class_name(ok, value))
        .unwrap_or_else(|e| format!("(class unknown: {e})"));
    format!(
        "{}: attribute {attribute}: a value of class {class} could not be converted (its toString() threw)",
        mbean(m, ok, name)
    )
}

/// An MBean whose read failed as if it had been unregistered; says whether it still is registered.
pub fn vanished(m: &Methods, ok: &mut NoPending<'_, '_>, name: &Name<'_>) -> String {
    let mbean = mbean(m, ok, name);
    match ok.frame(FRAME, |ok| m.is_registered(ok, name)) {
        Ok(false) => format!("{mbean}: unregistered between queryNames and reading it (a connector or task stopping)"),
        Ok(true) => format!("{mbean}: getMBeanInfo or getAttributes threw, yet it is registered"),
        Err(e) => format!("{mbean}: reading it failed, and so did isRegistered: {e}"),
    }
}

/// An MBean name that does not parse.
pub fn bad_name(m: &Methods, ok: &mut NoPending<'_, '_>, name: &Name<'_>) -> String {
    format!("{}: a name the agent cannot parse, left out", mbean(m, ok, name))
}
