//! [`NoPending`]: an `Env` on which no Java exception is pending, and the JNI functions the MBean reader calls
//! once or more per attribute value, called directly through it.
//!
//! Why: almost every JNI function is undefined behaviour while an exception is pending, and jni-rs guards
//! against that by checking before (and for most functions after) every call, each check a call into the JVM
//! of its own: about 7 % of a read. The functions here throw nothing, so what they need is that no exception
//! is pending when they are called. A [`NoPending`] is the proof: it is made by a check, holds the `Env`
//! exclusively so that nothing else can throw while it lives, and every way it offers to call Java
//! ([`NoPending::call`], [`NoPending::java`], [`NoPending::frame`]) leaves no exception pending when it
//! returns, normally or with an error (an exception is cleared and comes back as
//! `Error::JavaException`). A call that returned normally has been checked by jni-rs already, so keeping the
//! proof across it costs nothing.

use jni::errors::{Error as JniError, Result as JResult};
use jni::ids::{JFieldID, JMethodID};
use jni::objects::{JClass, JObject, JObjectArray, JString, JValueOwned};
use jni::signature::ReturnType;
use jni::sys::{jint, jsize, jvalue};
use jni::Env;

/// An `Env` on which no Java exception is pending, for as long as this lives.
pub struct NoPending<'a, 'l> {
    env: &'a mut Env<'l>,
}

impl<'a, 'l> NoPending<'a, 'l> {
    /// `env`'s proof, after clearing an exception if one is pending (errors are handled in Rust).
    pub fn clear(env: &'a mut Env<'l>) -> NoPending<'a, 'l> {
        if env.exception_check() {
            env.exception_clear();
        }
        NoPending { env }
    }

    /// Runs jni-rs calls on the `Env`; afterwards an exception left pending (whatever `f` returned) is
    /// cleared and returned as `Error::JavaException`. One check more than `f`'s own: for calls made once per
    /// MBean or less, not per value.
    pub fn java<T>(&mut self, f: impl FnOnce(&mut Env<'l>) -> JResult<T>) -> JResult<T> {
        let r = f(self.env);
        if self.env.exception_check() {
            self.env.exception_clear();
            return Err(JniError::JavaException);
        }
        r
    }

    /// `f` inside a new local frame of `capacity` references (released when it returns).
    pub fn frame<T>(&mut self, capacity: usize, f: impl FnOnce(&mut NoPending<'_, '_>) -> JResult<T>) -> JResult<T> {
        let r = self.env.with_local_frame(capacity, |env| {
            // `f` receives only a proof, and every call through a proof leaves nothing pending; a frame that
            // could not be pushed is reported by with_local_frame before `f` runs.
            f(&mut NoPending { env })
        });
        if r.is_err() && self.env.exception_check() {
            // PushLocalFrame failed with an OutOfMemoryError.
            self.env.exception_clear();
        }
        r
    }

    /// Room for `capacity` more local references in the current frame; `Err(JavaException)` when there is
    /// none (the OutOfMemoryError is cleared).
    pub fn ensure_local_capacity(&mut self, capacity: usize) -> JResult<()> {
        let capacity =
            jint::try_from(capacity).map_err(|_| JniError::JniCall(jni::errors::JniError::InvalidArguments))?;
        let raw = self.env.get_raw();
        // SAFETY: no exception is pending (self); EnsureLocalCapacity takes any capacity.
        let rc = unsafe { ((**raw).v1_2.EnsureLocalCapacity)(raw, capacity) };
        if rc < 0 {
            self.env.exception_clear();
            return Err(JniError::JavaException);
        }
        Ok(())
    }

    /// `obj.method(args)` through a cached ID. `Err(JavaException)` when it threw (the exception is cleared).
    ///
    /// # Safety
    /// `obj` is a live non-null instance of the class `method` was resolved on (or a subclass); `args` and
    /// `ret` match the method's signature.
    pub unsafe fn call(
        &mut self,
        obj: &JObject<'_>,
        method: JMethodID,
        ret: ReturnType,
        args: &[jvalue],
    ) -> JResult<JValueOwned<'l>> {
        // SAFETY: the caller's guarantees are call_method_unchecked's; jni-rs checks for an exception after
        // the call and reports one as an error, so `Ok` means none is pending.
        let r = unsafe { self.env.call_method_unchecked(obj, method, ret, args) };
        if r.is_err() && self.env.exception_check() {
            self.env.exception_clear();
        }
        r
    }

    /// The length of `array` (non-null), for reading its elements.
    pub fn elements<'r>(&self, array: &'r JObjectArray<'_>) -> JResult<Elements<'r>> {
        if array.is_null() {
            return Err(JniError::NullPtr("array"));
        }
        let raw = self.env.get_raw();
        // SAFETY: no exception is pending (self) and `array` is a live non-null object array reference;
        // GetArrayLength throws nothing.
        let len = unsafe { ((**raw).v1_1.GetArrayLength)(raw, array.as_raw()) };
        Ok(Elements {
            array: array.as_raw(),
            len: len.max(0) as usize,
            _array: std::marker::PhantomData,
        })
    }

    /// The `index`th element, or `None` past the end.
    pub fn element(&self, elements: &Elements<'_>, index: usize) -> Option<JObject<'l>> {
        if index >= elements.len {
            return None;
        }
        let raw = self.env.get_raw();
        // SAFETY: no exception is pending (self), the array is live (`elements` borrows it) and `index` is
        // below its length, so GetObjectArrayElement throws nothing.
        unsafe {
            let obj = ((**raw).v1_1.GetObjectArrayElement)(raw, elements.array, index as jsize);
            Some(JObject::from_raw(self.env, obj))
        }
    }

    /// An object-typed field of `obj`.
    ///
    /// # Safety
    /// `obj` is a live non-null reference, and `id` is an object-typed instance field of its class or a
    /// superclass.
    pub unsafe fn object_field(&self, obj: &JObject<'_>, id: JFieldID) -> JObject<'l> {
        let raw = self.env.get_raw();
        // SAFETY: no exception is pending (self); the rest is the caller's guarantee; it throws nothing.
        unsafe {
            let v = ((**raw).v1_1.GetObjectField)(raw, obj.as_raw(), id.into_raw());
            JObject::from_raw(self.env, v)
        }
    }

    /// An `int` field of `obj`.
    ///
    /// # Safety
    /// `obj` is a live non-null reference, and `id` is an `int` instance field of its class or a superclass.
    pub unsafe fn int_field(&self, obj: &JObject<'_>, id: JFieldID) -> i32 {
        let raw = self.env.get_raw();
        // SAFETY: no exception is pending (self); the rest is the caller's guarantee; it throws nothing.
        unsafe { ((**raw).v1_1.GetIntField)(raw, obj.as_raw(), id.into_raw()) }
    }

    /// A numeric primitive field of `obj` (`double`, `long`, `int` or `float`, as `kind` says) as `f64`.
    ///
    /// # Safety
    /// `obj` is a live non-null reference, and `id` is an instance field of its class of the primitive type
    /// `kind`.
    pub unsafe fn number_field(&self, obj: &JObject<'_>, id: JFieldID, kind: NumberKind) -> f64 {
        let raw = self.env.get_raw();
        let (obj, id) = (obj.as_raw(), id.into_raw());
        // SAFETY: no exception is pending (self); the rest is the caller's guarantee, with the function
        // matching the field's type; none throws.
        unsafe {
            match kind {
                NumberKind::Double => ((**raw).v1_1.GetDoubleField)(raw, obj, id),
                NumberKind::Long => ((**raw).v1_1.GetLongField)(raw, obj, id) as f64,
                NumberKind::Int => ((**raw).v1_1.GetIntField)(raw, obj, id) as f64,
                NumberKind::Float => ((**raw).v1_1.GetFloatField)(raw, obj, id) as f64,
            }
        }
    }

    /// Whether `obj` is an instance of `class`; a null `obj` is an instance of nothing (unlike JNI's
    /// `IsInstanceOf`, which says it is one of everything).
    pub fn is_instance_of(&self, obj: &JObject<'_>, class: &JClass<'_>) -> bool {
        if obj.is_null() || class.is_null() {
            return false;
        }
        let raw = self.env.get_raw();
        // SAFETY: no exception is pending (self); both are live non-null references; it throws nothing.
        unsafe { ((**raw).v1_1.IsInstanceOf)(raw, obj.as_raw(), class.as_raw()) }
    }

    /// Whether two references are to the same object.
    pub fn is_same_object(&self, a: &JObject<'_>, b: &JObject<'_>) -> bool {
        let raw = self.env.get_raw();
        // SAFETY: no exception is pending (self); both are live references or null, which IsSameObject
        // accepts; it throws nothing.
        unsafe { ((**raw).v1_1.IsSameObject)(raw, a.as_raw(), b.as_raw()) }
    }

    /// The UTF-16 contents of `s` into `buf` (cleared first; left empty for null): two calls, where jni-rs's
    /// `JString::try_to_string` has the JVM allocate a modified-UTF-8 copy, formats it into a `String` and
    /// releases the copy through an attach-guarded frame (a sixth of unpacking all values, in perf, while
    /// few values are text).
    pub fn string_chars(&self, s: &JString<'_>, buf: &mut Vec<u16>) {
        // SAFETY: a `JString` is null or a java.lang.String by construction.
        unsafe { self.chars(s, buf) }
    }

    /// [`NoPending::string_chars`] of an object known to be a `String`.
    ///
    /// # Safety
    /// `s` is null or a live reference to a `java.lang.String`.
    pub unsafe fn chars(&self, s: &JObject<'_>, buf: &mut Vec<u16>) {
        buf.clear();
        if s.is_null() {
            return;
        }
        let raw = self.env.get_raw();
        // SAFETY: no exception is pending (self) and `s` is a live non-null reference to a java.lang.String
        // (the caller's guarantee); for the region of the whole string, into a buffer that holds it, neither
        // call throws.
        unsafe {
            let len = ((**raw).v1_1.GetStringLength)(raw, s.as_raw()).max(0);
            buf.resize(len as usize, 0);
            ((**raw).v1_2.GetStringRegion)(raw, s.as_raw(), 0, len, buf.as_mut_ptr());
        }
    }

    /// `obj` as a `String` reference, without a check.
    ///
    /// # Safety
    /// `obj` is null or a reference to a `java.lang.String`.
    pub unsafe fn string_unchecked(&self, obj: JObject<'l>) -> JString<'l> {
        // SAFETY: the caller's guarantee; the reference moves into the new wrapper.
        unsafe { JString::from_raw(self.env, obj.into_raw()) }
    }

    /// `obj` as an object array reference, without a check.
    ///
    /// # Safety
    /// `obj` is null or a reference to an array of a reference type.
    pub unsafe fn object_array_unchecked(&self, obj: JObject<'l>) -> JObjectArray<'l> {
        // SAFETY: the caller's guarantee; the reference moves into the new wrapper.
        unsafe { JObjectArray::<JObject>::from_raw(self.env, obj.into_raw()) }
    }

    /// Releases a local reference early (in loops that would otherwise fill the frame).
    pub fn delete_local_ref(&self, obj: impl Into<JObject<'l>>) {
        self.env.delete_local_ref(obj);
    }
}

/// An object array and its length, read once: [`NoPending::element`] reads within it.
pub struct Elements<'r> {
    array: jni::sys::jobjectArray,
    len: usize,
    _array: std::marker::PhantomData<&'r ()>,
}

impl Elements<'_> {
    pub fn len(&self) -> usize {
        self.len
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
