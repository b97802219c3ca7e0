//! The Java API the MBean reader calls: the platform MBeanServer, every class, method and field it uses,
//! resolved once on the collector thread ([`Methods`]), and the calls through them.
//!
//! Why one place: a call through a cached ID (`call_method_unchecked`, a field read) is sound only on an
//! object of the class the ID was resolved on. Each function here makes sure of that before the call, so
//! everything else can stay safe Rust: what the JVM hands back is type-checked first (an `Attribute`, a boxed
//! number, a `String`), or typed by the declaration it came from (a field or return type the JVM enforces),
//! or wrapped in a type only a check can make ([`Name`] for an `ObjectName`).
//!
//! Looking a method up by name on every call (GetObjectClass + GetMethodID) costs about 20 % more than a
//! cached ID. Where JNI can read a field instead of calling a getter it does (the `AttributeList`'s backing
//! array and size, it is an `ArrayList`; `Attribute`'s `name` and `value`; the `value` of boxed numbers;
//! `ObjectName`'s canonical name): they are private, but JNI ignores access checks and module encapsulation,
//! and they are the same from JDK 11 to 25; a field that does not resolve falls back to the public method.

use jni::errors::{Error as JniError, Result as JResult};
use jni::ids::{JFieldID, JMethodID};
use jni::objects::{JClass, JObject, JObjectArray, JString, JValue};
use jni::refs::Global;
use jni::signature::{FieldSignature, JavaType, Primitive, ReturnType};
use jni::strings::JNIStr;
use jni::{jni_sig, jni_str, Env};

use super::raw::{NoPending, NumberKind};

const OBJECT: ReturnType = JavaType::Object;
const ARRAY: ReturnType = JavaType::Array;
const BOOLEAN: ReturnType = JavaType::Primitive(Primitive::Boolean);
const DOUBLE: ReturnType = JavaType::Primitive(Primitive::Double);

/// The platform MBeanServer and every class, method and field the reader uses.
pub struct Methods {
    /// The platform `MBeanServer`.
    server: Global<JObject<'static>>,
    object_name: Global<JClass<'static>>,
    number: Global<JClass<'static>>,
    boolean: Global<JClass<'static>>,
    composite: Global<JClass<'static>>,
    string: Global<JClass<'static>>,
    attribute: Global<JClass<'static>>,
    object_name_new: JMethodID,
    canonical_name: JMethodID,
    query_names: JMethodID,
    get_attributes: JMethodID,
    get_mbean_info: JMethodID,
    info_attributes: JMethodID,
    feature_name: JMethodID,
    to_array: JMethodID,
    attribute_name: JMethodID,
    attribute_value: JMethodID,
    double_value: JMethodID,
    boolean_value: JMethodID,
    contains_key: JMethodID,
    composite_get: JMethodID,
    to_string: JMethodID,
    /// `ObjectName._canonicalName`; `None`: `getCanonicalName()`.
    canonical_field: Option<JFieldID>,
    /// `ArrayList.elementData` and `ArrayList.size` (an `AttributeList` is one); `None`: `toArray()`.
    list_fields: Option<(JFieldID, JFieldID)>,
    /// `Attribute.name` and `Attribute.value`; `None`: `getName()` and `getValue()`.
    attribute_fields: Option<(JFieldID, JFieldID)>,
    /// `Double`, `Long`, `Integer`, `Float` with their `value` field (those that resolved); other numbers go
    /// through `doubleValue()`.
    pub boxes: Vec<NumberBox>,
}

/// A box class (`Double`, …), its `value` field and the field's type: made only by [`Methods::resolve`].
pub struct NumberBox {
    class: Global<JClass<'static>>,
    value: JFieldID,
    kind: NumberKind,
}

/// A local reference to a `javax.management.ObjectName`: made only by a check.
pub struct Name<'l>(JObject<'l>);

/// A global reference to a `javax.management.ObjectName`, kept across cycles.
pub struct KeptName(Global<JObject<'static>>);

/// A non-null `AttributeList` (the declared result of `getAttributes`).
pub struct AttributeList<'l>(JObject<'l>);

/// A value checked to be a `CompositeData`.
pub struct Composite<'r, 'o>(&'r JObject<'o>);

/// A field ID, or `None` (and no pending exception) when this JDK lacks the field.
fn field<'s>(
    env: &mut Env<'_>,
    class: &Global<JClass<'static>>,
    name: &JNIStr,
    sig: impl AsRef<FieldSignature<'s>>,
) -> Option<JFieldID> {
    let id = env.get_field_id(class, name, sig).ok();
    if env.exception_check() {
        env.exception_clear();
    }
    id
}

impl Methods {
    pub fn resolve(env: &mut Env<'_>) -> JResult<Methods> {
        let server = env
            .call_static_method(
                jni_str!("java/lang/management/ManagementFactory"),
                jni_str!("getPlatformMBeanServer"),
                jni_sig!("()Ljavax/management/MBeanServer;"),
                &[],
            )?
            .l()?;
        if server.is_null() {
            return Err(JniError::NullPtr("platform MBeanServer"));
        }
        let server = env.new_global_ref(&server)?;
        let class = |env: &mut Env<'_>, name: &JNIStr| -> JResult<Global<JClass<'static>>> {
            let c = env.load_class(name)?;
            env.new_global_ref(&c)
        };
        let object_name = class(env, jni_str!("javax.management.ObjectName"))?;
        let number = class(env, jni_str!("java.lang.Number"))?;
        let boolean = class(env, jni_str!("java.lang.Boolean"))?;
        let composite = class(env, jni_str!("javax.management.openmbean.CompositeData"))?;
        let string = class(env, jni_str!("java.lang.String"))?;
        let server_class = class(env, jni_str!("javax.management.MBeanServer"))?;
        let info = class(env, jni_str!("javax.management.MBeanInfo"))?;
        let feature = class(env, jni_str!("javax.management.MBeanFeatureInfo"))?;
        let collection = class(env, jni_str!("java.util.Collection"))?;
        let attribute = class(env, jni_str!("javax.management.Attribute"))?;
        let object = class(env, jni_str!("java.lang.Object"))?;
        // The IDs below are resolved on MBeanServer: the server must be one.
        if !env.is_instance_of(&server, &server_class)? {
            return Err(JniError::WrongObjectType);
        }

        let canonical_field = field(
            env,
            &object_name,
            jni_str!("_canonicalName"),
            jni_sig!("Ljava/lang/String;"),
        );
        let attribute_fields = field(env, &attribute, jni_str!("name"), jni_sig!("Ljava/lang/String;")).zip(field(
            env,
            &attribute,
            jni_str!("value"),
            jni_sig!("Ljava/lang/Object;"),
        ));
        let array_list = class(env, jni_str!("java.util.ArrayList"))?;
        let attribute_list = class(env, jni_str!("javax.management.AttributeList"))?;
        // The ArrayList fields are read on an AttributeList: only while it is one.
        let list_fields = if env.is_assignable_from(&attribute_list, &array_list)? {
            field(
                env,
                &array_list,
                jni_str!("elementData"),
                jni_sig!("[Ljava/lang/Object;"),
            )
            .zip(field(env, &array_list, jni_str!("size"), jni_sig!("I")))
        } else {
            None
        };
        let mut boxes = Vec::new();
        for (name, sig, kind) in [
            (jni_str!("java.lang.Double"), jni_sig!("D"), NumberKind::Double),
            (jni_str!("java.lang.Long"), jni_sig!("J"), NumberKind::Long),
            (jni_str!("java.lang.Integer"), jni_sig!("I"), NumberKind::Int),
            (jni_str!("java.lang.Float"), jni_sig!("F"), NumberKind::Float),
        ] {
            let c = class(env, name)?;
            if let Some(value) = field(env, &c, jni_str!("value"), sig) {
                boxes.push(NumberBox { class: c, value, kind });
            }
        }
        Ok(Methods {
            object_name_new: env.get_method_id(&object_name, jni_str!("<init>"), jni_sig!("(Ljava/lang/String;)V"))?,
            canonical_name: env.get_method_id(
                &object_name,
                jni_str!("getCanonicalName"),
                jni_sig!("()Ljava/lang/String;"),
            )?,
            query_names: env.get_method_id(
                &server_class,
                jni_str!("queryNames"),
                jni_sig!("(Ljavax/management/ObjectName;Ljavax/management/QueryExp;)Ljava/util/Set;"),
            )?,
            get_attributes: env.get_method_id(
                &server_class,
                jni_str!("getAttributes"),
                jni_sig!("(Ljavax/management/ObjectName;[Ljava/lang/String;)Ljavax/management/AttributeList;"),
            )?,
            get_mbean_info: env.get_method_id(
                &server_class,
                jni_str!("getMBeanInfo"),
                jni_sig!("(Ljavax/management/ObjectName;)Ljavax/management/MBeanInfo;"),
            )?,
            info_attributes: env.get_method_id(
                &info,
                jni_str!("getAttributes"),
                jni_sig!("()[Ljavax/management/MBeanAttributeInfo;"),
            )?,
            feature_name: env.get_method_id(&feature, jni_str!("getName"), jni_sig!("()Ljava/lang/String;"))?,
            to_array: env.get_method_id(&collection, jni_str!("toArray"), jni_sig!("()[Ljava/lang/Object;"))?,
            attribute_name: env.get_method_id(&attribute, jni_str!("getName"), jni_sig!("()Ljava/lang/String;"))?,
            attribute_value: env.get_method_id(&attribute, jni_str!("getValue"), jni_sig!("()Ljava/lang/Object;"))?,
            double_value: env.get_method_id(&number, jni_str!("doubleValue"), jni_sig!("()D"))?,
            boolean_value: env.get_method_id(&boolean, jni_str!("booleanValue"), jni_sig!("()Z"))?,
            contains_key: env.get_method_id(&composite, jni_str!("containsKey"), jni_sig!("(Ljava/lang/String;)Z"))?,
            composite_get: env.get_method_id(
                &composite,
                jni_str!("get"),
                jni_sig!("(Ljava/lang/String;)Ljava/lang/Object;"),
            )?,
            to_string: env.get_method_id(&object, jni_str!("toString"), jni_sig!("()Ljava/lang/String;"))?,
            canonical_field,
            attribute_fields,
            list_fields,
            boxes,
            server,
            object_name,
            number,
            boolean,
            composite,
            string,
            attribute,
        })
    }

    /// `new ObjectName(name)`, kept.
    pub fn new_name(&self, ok: &mut NoPending<'_, '_>, name: &str) -> JResult<KeptName> {
        ok.java(|env| {
            let s = env.new_string(name)?;
            // SAFETY: the constructor ID was resolved on ObjectName with signature (Ljava/lang/String;)V, and
            // the argument is a String.
            let obj = unsafe {
                env.new_object_unchecked(&self.object_name, self.object_name_new, &[JValue::Object(&s).as_jni()])
            }?;
            env.new_global_ref(&obj).map(KeptName)
        })
    }

    /// `obj` as a [`Name`] if it is an `ObjectName` (not null).
    pub fn checked_name<'l>(&self, ok: &NoPending<'_, 'l>, obj: JObject<'l>) -> JResult<Name<'l>> {
        if ok.is_instance_of(&obj, &self.object_name) {
            Ok(Name(obj))
        } else {
            Err(JniError::WrongObjectType)
        }
    }

    /// `obj` as a [`Name`] if it is the very object `kept` is (one JNI call, no type check needed); else
    /// `obj` back.
    pub fn same_name<'l>(
        &self,
        ok: &NoPending<'_, 'l>,
        obj: JObject<'l>,
        kept: &KeptName,
    ) -> Result<Name<'l>, JObject<'l>> {
        if ok.is_same_object(&obj, kept.0.as_obj()) {
            Ok(Name(obj))
        } else {
            Err(obj)
        }
    }

    pub fn keep(&self, ok: &mut NoPending<'_, '_>, name: &Name<'_>) -> JResult<KeptName> {
        ok.java(|env| env.new_global_ref(&name.0)).map(KeptName)
    }

    /// The `ObjectName`s of every MBean matching `pattern`, as an `Object[]`: reading them with the server's
    /// own instances spares a new `ObjectName` per MBean per cycle (most of our Java garbage, once).
    pub fn query_names(
        &self,
        ok: &mut NoPending<'_, '_>,
        pattern: &KeptName,
    ) -> JResult<Global<JObjectArray<'static>>> {
        let args = [
            JValue::Object(pattern.0.as_obj()).as_jni(),
            JValue::Object(&JObject::null()).as_jni(),
        ];
        // SAFETY: the server is an MBeanServer (checked at resolve), queryNames(ObjectName, QueryExp)Set was
        // resolved on it, and the arguments are an ObjectName and null.
        let set = unsafe { ok.call(self.server.as_obj(), self.query_names, OBJECT, &args) }?.l()?;
        if set.is_null() {
            return Err(JniError::NullPtr("queryNames result"));
        }
        // SAFETY: a Set is a Collection, on which toArray()[Object was resolved.
        let array = unsafe { ok.call(&set, self.to_array, ARRAY, &[]) }?.l()?;
        if array.is_null() {
            return Err(JniError::NullPtr("toArray result"));
        }
        // SAFETY: toArray's declared return type is Object[], which the JVM enforces.
        let array = unsafe { ok.object_array_unchecked(array) };
        ok.java(|env| env.new_global_ref(&array))
    }

    /// Copies the canonical name of `name` into `buf`, as UTF-16.
    pub fn canonical_name(&self, ok: &mut NoPending<'_, '_>, name: &Name<'_>, buf: &mut Vec<u16>) -> JResult<()> {
        let s = match self.canonical_field {
            // SAFETY: `name` is a live non-null ObjectName (a `Name`) and the ID is its String-typed field.
            Some(id) => unsafe { ok.object_field(&name.0, id) },
            // SAFETY: getCanonicalName()String was resolved on ObjectName, which `name` is.
            None => unsafe { ok.call(&name.0, self.canonical_name, OBJECT, &[]) }?.l()?,
        };
        if s.is_null() {
            return Err(JniError::NullPtr("canonical name"));
        }
        // SAFETY: the field and the method are typed String, which the JVM enforces.
        unsafe { ok.chars(&s, buf) };
        ok.delete_local_ref(s);
        Ok(())
    }

    /// The names of every attribute an MBean declares, from its `MBeanInfo`.
    pub fn declared_names<'l>(
        &self,
        ok: &mut NoPending<'_, 'l>,
        name: &Name<'_>,
    ) -> JResult<JObjectArray<'l, JString<'l>>> {
        // SAFETY: getMBeanInfo(ObjectName)MBeanInfo was resolved on MBeanServer, which the server is, and
        // `name` is an ObjectName.
        let info = unsafe {
            ok.call(
                self.server.as_obj(),
                self.get_mbean_info,
                OBJECT,
                &[JValue::Object(&name.0).as_jni()],
            )
        }?
        .l()?;
        if info.is_null() {
            return Err(JniError::NullPtr("getMBeanInfo result"));
        }
        // SAFETY: getAttributes()[MBeanAttributeInfo was resolved on MBeanInfo, which `info` is (declared).
        let infos = unsafe { ok.call(&info, self.info_attributes, ARRAY, &[]) }?.l()?;
        if infos.is_null() {
            return Err(JniError::NullPtr("MBeanInfo.getAttributes result"));
        }
        ok.java(|env| {
            // SAFETY: the declared return type is MBeanAttributeInfo[], which the JVM enforces.
            let infos = unsafe { JObjectArray::<JObject>::from_raw(env, infos.into_raw()) };
            let n = infos.len(env)?;
            let empty = JString::null();
            let names = JObjectArray::<JString>::new(env, n, &empty)?;
            for i in 0..n {
                let ai = infos.get_element(env, i)?;
                if ai.is_null() {
                    return Err(JniError::NullPtr("MBeanAttributeInfo"));
                }
                // SAFETY: `ai` is a non-null element of an MBeanAttributeInfo[], so an MBeanFeatureInfo, on
                // which getName()String was resolved.
                let s = unsafe { env.call_method_unchecked(&ai, self.feature_name, OBJECT, &[]) }?.l()?;
                let s = env.cast_local::<JString>(s)?;
                names.set_element(env, i, &s)?;
                // An MBean may declare many attributes: keep the frame's local references bounded.
                env.delete_local_ref(s);
                env.delete_local_ref(ai);
            }
            Ok(names)
        })
    }

    /// `getAttributes(name, names)`, or `Ok(None)` when it threw: the MBean vanished since the query
    /// (InstanceNotFoundException; the exception is cleared).
    pub fn get_attributes<'l>(
        &self,
        ok: &mut NoPending<'_, 'l>,
        name: &Name<'_>,
        names: &JObjectArray<'_, JString<'_>>,
    ) -> JResult<Option<AttributeList<'l>>> {
        let args = [JValue::Object(&name.0).as_jni(), JValue::Object(names).as_jni()];
        // SAFETY: getAttributes(ObjectName, String[])AttributeList was resolved on MBeanServer, which the
        // server is; the arguments are an ObjectName and a String[] (typed).
        let list = match unsafe { ok.call(self.server.as_obj(), self.get_attributes, OBJECT, &args) } {
            Ok(v) => v.l()?,
            Err(JniError::JavaException) => return Ok(None),
            Err(e) => return Err(e),
        };
        if list.is_null() {
            return Err(JniError::NullPtr("getAttributes result"));
        }
        Ok(Some(AttributeList(list)))
    }

    /// The elements of `list` as an array, and how many of them are the list's (from the front).
    pub fn list_elements<'l>(
        &self,
        ok: &mut NoPending<'_, 'l>,
        list: &AttributeList<'_>,
    ) -> JResult<(JObjectArray<'l>, usize)> {
        match self.list_fields {
            // SAFETY: `list` is a live non-null AttributeList, an ArrayList (checked at resolve), whose
            // `elementData` (Object[]) and `size` (int) fields these are; the field's declared type makes the
            // array an Object[].
            Some((elements, size)) => unsafe {
                let n = ok.int_field(&list.0, size).max(0) as usize;
                let array = ok.object_array_unchecked(ok.object_field(&list.0, elements));
                Ok((array, n))
            },
            // One toArray() instead of size() and get(i) per attribute.
            None => {
                // SAFETY: an AttributeList is a Collection, on which toArray()[Object was resolved.
                let array = unsafe { ok.call(&list.0, self.to_array, ARRAY, &[]) }?.l()?;
                // SAFETY: toArray's declared return type is Object[], which the JVM enforces.
                let array = unsafe { ok.object_array_unchecked(array) };
                let n = ok.elements(&array)?.len();
                Ok((array, n))
            }
        }
    }

    /// How many attributes `list` holds.
    #[cfg(feature = "test-hooks")]
    pub fn list_size(&self, ok: &mut NoPending<'_, '_>, list: &AttributeList<'_>) -> JResult<usize> {
        Ok(self.list_elements(ok, list)?.1)
    }

    /// An `Attribute`'s name and value; an element of an `AttributeList` (a list of Objects) that is not an
    /// `Attribute` is an error.
    pub fn attribute_parts<'l>(
        &self,
        ok: &mut NoPending<'_, 'l>,
        attr: &JObject<'_>,
    ) -> JResult<(JString<'l>, JObject<'l>)> {
        if !ok.is_instance_of(attr, &self.attribute) {
            return Err(JniError::WrongObjectType);
        }
        let (name, value) = match self.attribute_fields {
            // SAFETY: `attr` is a live non-null Attribute (checked above) and the IDs are its object-typed
            // fields.
            Some((name, value)) => unsafe { (ok.object_field(attr, name), ok.object_field(attr, value)) },
            // SAFETY: getName()String and getValue()Object were resolved on Attribute, which `attr` is.
            None => unsafe {
                (
                    ok.call(attr, self.attribute_name, OBJECT, &[])?.l()?,
                    ok.call(attr, self.attribute_value, OBJECT, &[])?.l()?,
                )
            },
        };
        // SAFETY: the field and the getter are typed String, which the JVM enforces.
        Ok((unsafe { ok.string_unchecked(name) }, value))
    }

    /// The value of `v` if it is an instance of one of `boxes`, by its field.
    pub fn boxed(&self, ok: &NoPending<'_, '_>, v: &JObject<'_>, boxes: &[NumberBox]) -> Option<f64> {
        boxes.iter().find_map(|b| {
            // SAFETY: `v` is a live non-null instance of the box class (checked first; null is an instance of
            // nothing), whose `value` field of type `kind` the ID is.
            ok.is_instance_of(v, &b.class)
                .then(|| unsafe { ok.number_field(v, b.value, b.kind) })
        })
    }

    /// A `Number` as `f64`: boxed primitives by their field, others by `doubleValue()`. `None`: not a number.
    pub fn number(&self, ok: &mut NoPending<'_, '_>, v: &JObject<'_>) -> JResult<Option<f64>> {
        self.number_after(ok, v, &self.boxes)
    }

    /// [`Methods::number`] for a `v` known not to be any box before `boxes` in `Methods::boxes`.
    pub fn number_after(
        &self,
        ok: &mut NoPending<'_, '_>,
        v: &JObject<'_>,
        boxes: &[NumberBox],
    ) -> JResult<Option<f64>> {
        if let Some(n) = self.boxed(ok, v, boxes) {
            return Ok(Some(n));
        }
        if !ok.is_instance_of(v, &self.number) {
            return Ok(None);
        }
        // SAFETY: doubleValue()D was resolved on java.lang.Number, which `v` is (checked above).
        Ok(Some(unsafe { ok.call(v, self.double_value, DOUBLE, &[]) }?.d()?))
    }

    /// If `v` is a `String`, its contents into `buf` (UTF-16).
    pub fn string_chars(&self, ok: &NoPending<'_, '_>, v: &JObject<'_>, buf: &mut Vec<u16>) -> bool {
        if !ok.is_instance_of(v, &self.string) {
            return false;
        }
        // SAFETY: `v` is a String (checked above).
        unsafe { ok.chars(v, buf) };
        true
    }

    /// If `v` is a `Boolean`, its value.
    pub fn boolean(&self, ok: &mut NoPending<'_, '_>, v: &JObject<'_>) -> JResult<Option<bool>> {
        if !ok.is_instance_of(v, &self.boolean) {
            return Ok(None);
        }
        // SAFETY: booleanValue()Z was resolved on java.lang.Boolean, which `v` is (checked above).
        Ok(Some(unsafe { ok.call(v, self.boolean_value, BOOLEAN, &[]) }?.z()?))
    }

    /// `v` if it is a `CompositeData`.
    pub fn composite<'r, 'o>(&self, ok: &NoPending<'_, '_>, v: &'r JObject<'o>) -> Option<Composite<'r, 'o>> {
        ok.is_instance_of(v, &self.composite).then_some(Composite(v))
    }

    /// The item `key` of `c`: `None` when it has none, or it is null.
    pub fn composite_item<'l>(
        &self,
        ok: &mut NoPending<'_, 'l>,
        c: &Composite<'_, '_>,
        key: &JString<'_>,
    ) -> JResult<Option<JObject<'l>>> {
        let key = [JValue::Object(key).as_jni()];
        // SAFETY: containsKey(String)Z and get(String)Object were resolved on CompositeData, which `c` is;
        // the argument is a String.
        let has = unsafe { ok.call(c.0, self.contains_key, BOOLEAN, &key) }?.z()?;
        if !has {
            return Ok(None);
        }
        // SAFETY: as above.
        let v = unsafe { ok.call(c.0, self.composite_get, OBJECT, &key) }?.l()?;
        Ok((!v.is_null()).then_some(v))
    }

    /// Why `getAttribute(name, attribute)` fails: the exception and its causes, `None` when it reads now.
    /// For explaining an attribute `getAttributes` left out (it says nothing of why); called only when such a
    /// line is due, so the method is looked up by name.
    pub fn attribute_failure(
        &self,
        ok: &mut NoPending<'_, '_>,
        name: &Name<'_>,
        attribute: &str,
    ) -> JResult<Option<String>> {
        ok.java(|env| {
            let s = env.new_string(attribute)?;
            let read = env.call_method(
                self.server.as_obj(),
                jni_str!("getAttribute"),
                jni_sig!("(Ljavax/management/ObjectName;Ljava/lang/String;)Ljava/lang/Object;"),
                &[JValue::Object(&name.0), JValue::Object(&s)],
            );
            match read {
                Ok(_) => Ok(None),
                Err(JniError::JavaException) => match env.exception_catch() {
                    Err(JniError::CaughtJavaException { exception, .. }) => {
                        Ok(Some(describe_throwable(env, exception.as_obj())?))
                    }
                    Err(e) => Err(e),
                    Ok(()) => Ok(None),
                },
                Err(e) => Err(e),
            }
        })
    }

    /// Whether the MBean `name` is still registered (for explaining a read that failed).
    pub fn is_registered(&self, ok: &mut NoPending<'_, '_>, name: &Name<'_>) -> JResult<bool> {
        ok.java(|env| {
            env.call_method(
                self.server.as_obj(),
                jni_str!("isRegistered"),
                jni_sig!("(Ljavax/management/ObjectName;)Z"),
                &[JValue::Object(&name.0)],
            )?
            .z()
        })
    }

    /// The class name of `v` (not null), for explaining a value that could not be converted.
    pub fn class_name(&self, ok: &mut NoPending<'_, '_>, v: &JObject<'_>) -> JResult<String> {
        ok.java(|env| Ok(env.get_object_class(v)?.get_name(env)?.to_string()))
    }

    /// `v.toString()` (`v` not null); `None` when it returned null.
    pub fn to_string<'l>(&self, ok: &mut NoPending<'_, 'l>, v: &JObject<'_>) -> JResult<Option<JString<'l>>> {
        if v.is_null() {
            return Err(JniError::NullPtr("toString receiver"));
        }
        // SAFETY: toString()String was resolved on java.lang.Object; `v` is a live non-null object.
        let s = unsafe { ok.call(v, self.to_string, OBJECT, &[]) }?.l()?;
        // SAFETY: toString's declared return type is String, which the JVM enforces.
        Ok((!s.is_null()).then(|| unsafe { ok.string_unchecked(s) }))
    }
}

/// `toString()` of a throwable and of each of its causes (the MBeanServer wraps a getter's exception), each
/// cut short: a message is the getter's own text.
fn describe_throwable(env: &mut Env<'_>, throwable: &JObject<'_>) -> JResult<String> {
    const MAX_CHARS: usize = 300;
    let mut parts: Vec<String> = Vec::new();
    let mut current = env.new_local_ref(throwable)?;
    for _ in 0..5 {
        if current.is_null() {
            break;
        }
        let s = env
            .call_method(&current, jni_str!("toString"), jni_sig!("()Ljava/lang/String;"), &[])?
            .l()?;
        let s = env.cast_local::<JString>(s)?;
        let text = if s.is_null() {
            String::new()
        } else {
            s.try_to_string(env)?
        };
        parts.push(text.chars().take(MAX_CHARS).collect());
        let cause = env
            .call_method(&current, jni_str!("getCause"), jni_sig!("()Ljava/lang/Throwable;"), &[])?
            .l()?;
        if env.is_same_object(&cause, &current)? {
            break;
        }
        current = cause;
    }
    Ok(parts.join(", caused by "))
}
