//! The few JNI functions the MBean reader calls once or more per attribute value, called directly.
//!
//! Why: jni-rs checks for a pending exception before (and for most functions after) every call, and each
//! check is a call into the JVM of its own: about 7 % of a read. The functions here throw nothing, so the
//! only check that matters is that no exception is pending when they are called, which is each caller's
//! duty: the reader calls them only after a Java call that returned normally (an exception there ends the
//! MBean's read with an error, and the exception is cleared before the next one).

use jni::ids::JFieldID;
use jni::objects::{JClass, JObject, JObjectArray};
use jni::sys::jsize;
use jni::Env;

/// The `index`th element of `array`.
///
/// # Safety
/// No exception is pending, `array` is a live non-null reference, and `index` is below its length.
pub unsafe fn element<'l>(env: &Env<'l>, array: &JObjectArray<'_>, index: usize) -> JObject<'l> {
    let raw = env.get_raw();
    // SAFETY: the caller's guarantees are GetObjectArrayElement's preconditions; within bounds it throws nothing.
    unsafe {
        let obj = ((**raw).v1_1.GetObjectArrayElement)(raw, array.as_raw(), index as jsize);
        JObject::from_raw(env, obj)
    }
}

/// An object-typed field of `obj`.
///
/// # Safety
/// No exception is pending, `obj` is a live non-null reference, and `id` is an object-typed instance field
/// of its class or a superclass.
pub unsafe fn object_field<'l>(env: &Env<'l>, obj: &JObject<'_>, id: JFieldID) -> JObject<'l> {
    let raw = env.get_raw();
    // SAFETY: the caller's guarantees are GetObjectField's preconditions; it throws nothing.
    unsafe {
        let v = ((**raw).v1_1.GetObjectField)(raw, obj.as_raw(), id.into_raw());
        JObject::from_raw(env, v)
    }
}

/// An `int` field of `obj`.
///
/// # Safety
/// No exception is pending, `obj` is a live non-null reference, and `id` is an `int` instance field of its
/// class or a superclass.
pub unsafe fn int_field(env: &Env<'_>, obj: &JObject<'_>, id: JFieldID) -> i32 {
    let raw = env.get_raw();
    // SAFETY: the caller's guarantees are GetIntField's preconditions; it throws nothing.
    unsafe { ((**raw).v1_1.GetIntField)(raw, obj.as_raw(), id.into_raw()) }
}

/// A numeric primitive field of `obj` (`double`, `long`, `int` or `float`, as `kind` says) as `f64`.
///
/// # Safety
/// No exception is pending, `obj` is a live non-null reference, and `id` is an instance field of its class
/// of the primitive type `kind`.
pub unsafe fn number_field(env: &Env<'_>, obj: &JObject<'_>, id: JFieldID, kind: NumberKind) -> f64 {
    let raw = env.get_raw();
    let (obj, id) = (obj.as_raw(), id.into_raw());
    // SAFETY: the caller's guarantees are Get<Type>Field's preconditions, with the function matching the
    // field's type; none throws.
    unsafe {
        match kind {
            NumberKind::Double => ((**raw).v1_1.GetDoubleField)(raw, obj, id),
            NumberKind::Long => ((**raw).v1_1.GetLongField)(raw, obj, id) as f64,
            NumberKind::Int => ((**raw).v1_1.GetIntField)(raw, obj, id) as f64,
            NumberKind::Float => ((**raw).v1_1.GetFloatField)(raw, obj, id) as f64,
        }
    }
}

/// The primitive type of a boxed number's `value` field.
#[derive(Clone, Copy)]
pub enum NumberKind {
    Double,
    Long,
    Int,
    Float,
}

/// Whether `obj` (non-null) is an instance of `class`.
///
/// # Safety
/// No exception is pending; `obj` and `class` are live references.
pub unsafe fn is_instance_of(env: &Env<'_>, obj: &JObject<'_>, class: &JClass<'_>) -> bool {
    let raw = env.get_raw();
    // SAFETY: the caller's guarantees are IsInstanceOf's preconditions; it throws nothing.
    unsafe { ((**raw).v1_1.IsInstanceOf)(raw, obj.as_raw(), class.as_raw()) }
}

/// Whether two references are to the same object.
///
/// # Safety
/// No exception is pending; both are live references (or null).
pub unsafe fn is_same_object(env: &Env<'_>, a: &JObject<'_>, b: &JObject<'_>) -> bool {
    let raw = env.get_raw();
    // SAFETY: the caller's guarantees are IsSameObject's preconditions; it throws nothing.
    unsafe { ((**raw).v1_1.IsSameObject)(raw, a.as_raw(), b.as_raw()) }
}

/// The UTF-16 contents of `s` into `buf` (cleared first): two calls, where jni-rs's `JString::try_to_string`
/// has the JVM allocate a modified-UTF-8 copy, formats it into a `String` and releases the copy through an
/// attach-guarded frame (a sixth of unpacking all values, in perf, while few values are text).
///
/// # Safety
/// No exception is pending and `s` is a live non-null reference to a `java.lang.String`.
pub unsafe fn string_chars(env: &Env<'_>, s: &JObject<'_>, buf: &mut Vec<u16>) {
    let raw = env.get_raw();
    // SAFETY: the caller's guarantees are GetStringLength's and GetStringRegion's preconditions; for the
    // region of the whole string, into a buffer that holds it, neither throws.
    unsafe {
        let len = ((**raw).v1_1.GetStringLength)(raw, s.as_raw()).max(0);
        buf.clear();
        buf.resize(len as usize, 0);
        ((**raw).v1_2.GetStringRegion)(raw, s.as_raw(), 0, len, buf.as_mut_ptr());
    }
}
