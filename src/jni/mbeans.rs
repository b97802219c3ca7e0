//! Reads MBeans from the platform MBeanServer through JNI into a [`Snapshot`].
//!
//! Per cycle: one `queryNames` per domain, then one batched `getAttributes` per MBean with the attribute
//! names the rules need (a cached `String[]` per group).
//!
//! Only attributes an MBean declares are requested: Kafka's `JmxReporter` logs a WARN with a stack trace
//! for every requested attribute it lacks (a source task without exactly-once has no `transaction-size-*`,
//! Kafka 3.9 has no `header-converter-*`), which would flood the worker's log on every cycle. So the first
//! read of an MBean asks `getMBeanInfo` once; an MBean lacking some attributes is asked again now and then,
//! since Kafka adds metrics to a live MBean. Values become plain Rust: numbers, strings,
//! booleans, `CompositeData` items; anything else (enums such as Kafka 4.1's `ConnectorType`) via
//! `toString()`. An MBean that vanished between query and read, or an attribute that throws, is counted
//! and skipped; it never stops the cycle.
//!
//! Classes and method IDs are looked up once ([`Methods`]) and calls go through `call_method_unchecked`:
//! looking a method up by name on every call (GetObjectClass + GetMethodID) costs about 20 % more.
//!
//! The per-value path is where a read spends its time (64,000 values at 1,000 tasks), so it avoids calls
//! into Java where JNI can read a field instead: the `AttributeList`'s backing array and size (it is an
//! `ArrayList`), `Attribute`'s `name` and `value`, the `value` of boxed numbers, `ObjectName`'s canonical
//! name. They are private, but JNI ignores access checks and module encapsulation, and they are the same
//! from JDK 11 to 25; a field that does not resolve falls back to the public method. A returned `Attribute`
//! is matched to the request by the identity of its name, since `getAttributes` implementations (Kafka's
//! `KafkaMbean`, the JDK's MBean support) build it with the very String they were passed. An MBean is
//! recognised by the identity of its `ObjectName` when it is where it was in last cycle's `queryNames`
//! result (the server hands back its own instances, in the same order while its MBeans stay the same);
//! otherwise its canonical name is read into a reused buffer and looked up in a cache of parsed names and
//! their group. Either way an MBean seen before costs no allocation and no parsing.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use jni::errors::Error as JniError;
use jni::ids::{JFieldID, JMethodID};
use jni::objects::{JClass, JObject, JObjectArray, JString, JValue};
use jni::refs::Global;
use jni::signature::{FieldSignature, JavaType, Primitive, ReturnType};
use jni::strings::JNIStr;
use jni::{jni_sig, jni_str, Env};

use super::raw::{self, NumberKind};
use crate::objectname::ObjectName;
use crate::snapshot::{AttributeRequest, MBeanSample, ReadPlan, ReadStats, Snapshot, Value};

type JResult<T> = Result<T, JniError>;
/// One MBean's attribute names and values (`MBeanSample::values`).
type Values = Vec<(Cow<'static, str>, Value)>;

const OBJECT: ReturnType = JavaType::Object;
const ARRAY: ReturnType = JavaType::Array;
const BOOLEAN: ReturnType = JavaType::Primitive(Primitive::Boolean);
const DOUBLE: ReturnType = JavaType::Primitive(Primitive::Double);

/// Every class, method and field the reader uses, resolved once on the collector thread.
struct Methods {
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
    boxes: Vec<NumberBox>,
}

/// A box class (`Double`, …), its `value` field and the field's type.
type NumberBox = (Global<JClass<'static>>, JFieldID, NumberKind);

/// A field ID, or `None` (and no pending exception) when this JDK lacks the field.
fn field<'s>(
    env: &mut Env<'_>,
    class: &Global<JClass<'static>>,
    name: &JNIStr,
    sig: impl AsRef<FieldSignature<'s>>,
) -> Option<JFieldID> {
    let id = env.get_field_id(class, name, sig).ok();
    clear(env);
    id
}

impl Methods {
    fn resolve(env: &mut Env<'_>) -> JResult<Methods> {
        let class = |env: &mut Env<'_>, name: &JNIStr| -> JResult<Global<JClass<'static>>> {
            let c = env.load_class(name)?;
            env.new_global_ref(&c)
        };
        let object_name = class(env, jni_str!("javax.management.ObjectName"))?;
        let number = class(env, jni_str!("java.lang.Number"))?;
        let boolean = class(env, jni_str!("java.lang.Boolean"))?;
        let composite = class(env, jni_str!("javax.management.openmbean.CompositeData"))?;
        let string = class(env, jni_str!("java.lang.String"))?;
        let server = class(env, jni_str!("javax.management.MBeanServer"))?;
        let info = class(env, jni_str!("javax.management.MBeanInfo"))?;
        let feature = class(env, jni_str!("javax.management.MBeanFeatureInfo"))?;
        let collection = class(env, jni_str!("java.util.Collection"))?;
        let attribute = class(env, jni_str!("javax.management.Attribute"))?;
        let object = class(env, jni_str!("java.lang.Object"))?;

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
        let list_fields = field(
            env,
            &array_list,
            jni_str!("elementData"),
            jni_sig!("[Ljava/lang/Object;"),
        )
        .zip(field(env, &array_list, jni_str!("size"), jni_sig!("I")));
        let mut boxes = Vec::new();
        for (name, sig, kind) in [
            (jni_str!("java.lang.Double"), jni_sig!("D"), NumberKind::Double),
            (jni_str!("java.lang.Long"), jni_sig!("J"), NumberKind::Long),
            (jni_str!("java.lang.Integer"), jni_sig!("I"), NumberKind::Int),
            (jni_str!("java.lang.Float"), jni_sig!("F"), NumberKind::Float),
        ] {
            let c = class(env, name)?;
            if let Some(id) = field(env, &c, jni_str!("value"), sig) {
                boxes.push((c, id, kind));
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
                &server,
                jni_str!("queryNames"),
                jni_sig!("(Ljavax/management/ObjectName;Ljavax/management/QueryExp;)Ljava/util/Set;"),
            )?,
            get_attributes: env.get_method_id(
                &server,
                jni_str!("getAttributes"),
                jni_sig!("(Ljavax/management/ObjectName;[Ljava/lang/String;)Ljavax/management/AttributeList;"),
            )?,
            get_mbean_info: env.get_method_id(
                &server,
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
            object_name,
            number,
            boolean,
            composite,
            string,
            attribute,
        })
    }
}

/// A `String[]` of attribute names to request, and its elements: returned `Attribute`s are recognised by
/// the identity of their name.
struct Request {
    array: Global<JObjectArray<'static, JString<'static>>>,
    /// Per element: the String, and its index in the group's [`AttributeRequest`]s.
    names: Vec<(Global<JString<'static>>, usize)>,
}

impl Request {
    /// The request for `attrs[i]` for each `i` of `which`.
    fn new(env: &mut Env<'_>, attrs: &[AttributeRequest], which: &[usize]) -> JResult<Request> {
        let empty = JString::null();
        let array = JObjectArray::<JString>::new(env, which.len(), &empty)?;
        let mut names = Vec::with_capacity(which.len());
        for (i, &a) in which.iter().enumerate() {
            let s = env.new_string(attrs[a].name)?;
            array.set_element(env, i, &s)?;
            names.push((env.new_global_ref(&s)?, a));
            env.delete_local_ref(s);
        }
        Ok(Request {
            array: env.new_global_ref(&array)?,
            names,
        })
    }

    /// The position of the element that is `name` itself, looking from `from` on (where the next one is
    /// expected: attributes come back in request order, less those whose getter threw).
    ///
    /// # Safety
    /// No exception is pending; `name` is a live reference.
    unsafe fn position_of(&self, env: &Env<'_>, name: &JObject<'_>, from: usize) -> Option<usize> {
        let n = self.names.len();
        (0..n).map(|step| (from + step) % n).find(|&j| {
            // SAFETY: the caller's guarantees, and the element is a live global reference.
            unsafe { raw::is_same_object(env, name, &self.names[j].0) }
        })
    }
}

/// Java objects kept across cycles (global references, released on the collector thread).
pub struct MBeanReader {
    server: Global<JObject<'static>>,
    m: Methods,
    /// Per query pattern, the `ObjectName` to pass to `queryNames`.
    queries: HashMap<String, Global<JObject<'static>>>,
    /// Per group index, the attribute names to request.
    attribute_arrays: HashMap<usize, Request>,
    /// `CompositeData` item names.
    item_keys: HashMap<&'static str, Global<JString<'static>>>,
    /// Per MBean seen in the last cycle, in a slot: its parsed name, group, declared attributes. A reader
    /// reads one plan (the agent and the benchmark build theirs once), so the group stays valid.
    known: Vec<Option<Known>>,
    /// Slots of `known` that are free.
    free: Vec<usize>,
    /// The slot of each MBean in `known`, by canonical name (UTF-16).
    by_canonical: HashMap<Vec<u16>, usize>,
    /// Per query (index in the plan's queries), per position in its last result: the `ObjectName` found
    /// there and its MBean's slot. The server hands back its own `ObjectName` instances in the same order
    /// while its MBeans stay the same, so an MBean is recognised by the identity of its name (one JNI call)
    /// instead of by reading and hashing its canonical name.
    positions: Vec<Vec<Option<Position>>>,
    /// The canonical name being looked up, reused.
    canonical: Vec<u16>,
    /// Requests for MBeans that declare only some of their group's attributes: (group, which, request).
    subsets: Vec<(usize, Vec<bool>, Request)>,
    cycle: u64,
}

/// An `ObjectName` seen at a position of a query's result, and the slot of its MBean in `MBeanReader::known`.
type Position = (Global<JObject<'static>>, usize);

/// How often (in cycles) an MBean lacking some attributes is asked again what it declares.
const RECHECK_CYCLES: u64 = 20;

struct Known {
    /// `None`: not a name we can parse (counted as a `name` error on every cycle, as when first seen).
    name: Option<Arc<ObjectName>>,
    /// `None`: not read (no group, disabled, or filtered out).
    group: Option<usize>,
    /// Which of its group's attributes it declares; `None` until learned.
    declared: Option<Declared>,
    /// Spreads re-checks over cycles so that MBeans first seen together are not all asked at once.
    spread: u64,
    seen: u64,
}

/// What `read_one` needs of a [`Known`].
enum ToRead {
    Yes {
        name: Arc<ObjectName>,
        group: usize,
        declared: Option<Declared>,
        spread: u64,
    },
    /// Not in a group we read.
    No,
    BadName,
}

impl Known {
    /// A first-seen MBean, from its canonical name (UTF-16).
    fn new(canonical: &[u16], plan: &ReadPlan, cycle: u64) -> Known {
        let canonical = String::from_utf16_lossy(canonical);
        let name = ObjectName::parse(&canonical).map(Arc::new);
        let group = name.as_ref().and_then(|n| plan.classify(n));
        let spread = canonical
            .bytes()
            .fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(b as u64))
            % RECHECK_CYCLES;
        Known {
            name,
            group,
            declared: None,
            spread,
            seen: cycle,
        }
    }

    fn to_read(&self) -> ToRead {
        match (&self.name, self.group) {
            (Some(name), Some(group)) => ToRead::Yes {
                name: Arc::clone(name),
                group,
                declared: self.declared,
                spread: self.spread,
            },
            (Some(_), None) => ToRead::No,
            (None, _) => ToRead::BadName,
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
struct Declared {
    /// `None`: every attribute of the group; else an index into `MBeanReader::subsets`.
    subset: Option<usize>,
    /// How many attributes are requested.
    requested: usize,
    recheck_at: u64,
}

/// Clears a pending Java exception: errors are handled in Rust.
fn clear(env: &mut Env<'_>) {
    if env.exception_check() {
        env.exception_clear();
    }
}

fn java_string(env: &mut Env<'_>, obj: JObject<'_>) -> JResult<String> {
    let s: JString = env.cast_local::<JString>(obj)?;
    typed_string(env, &s)
}

/// A `String`-typed value (field, return value or checked instance) as a Rust `String`. No exception may
/// be pending.
fn typed_string(env: &Env<'_>, obj: &JObject<'_>) -> JResult<String> {
    if obj.is_null() {
        return Err(JniError::NullPtr("string"));
    }
    let mut chars = Vec::new();
    // SAFETY: callers pass only live references to java.lang.String instances (null excluded above) with no
    // exception pending.
    unsafe { raw::string_chars(env, obj, &mut chars) };
    // Java strings may hold unpaired surrogates, which UTF-8 cannot; they become U+FFFD.
    Ok(String::from_utf16_lossy(&chars))
}

impl MBeanReader {
    pub fn new(env: &mut Env<'_>) -> JResult<MBeanReader> {
        let server = env
            .call_static_method(
                jni_str!("java/lang/management/ManagementFactory"),
                jni_str!("getPlatformMBeanServer"),
                jni_sig!("()Ljavax/management/MBeanServer;"),
                &[],
            )?
            .l()?;
        let server = env.new_global_ref(&server)?;
        let m = Methods::resolve(env)?;
        Ok(MBeanReader {
            server,
            m,
            queries: HashMap::new(),
            attribute_arrays: HashMap::new(),
            item_keys: HashMap::new(),
            known: Vec::new(),
            free: Vec::new(),
            by_canonical: HashMap::new(),
            positions: Vec::new(),
            canonical: Vec::new(),
            subsets: Vec::new(),
            cycle: 0,
        })
    }

    /// `new ObjectName(name)`.
    fn object_name<'l>(&self, env: &mut Env<'l>, name: &str) -> JResult<JObject<'l>> {
        let s = env.new_string(name)?;
        // SAFETY: the constructor ID was resolved on ObjectName with signature (Ljava/lang/String;)V.
        unsafe {
            env.new_object_unchecked(
                &self.m.object_name,
                self.m.object_name_new,
                &[JValue::Object(&s).as_jni()],
            )
        }
    }

    /// A no-argument instance call returning an object.
    fn call_object<'l>(&self, env: &mut Env<'l>, obj: &JObject<'_>, method: JMethodID) -> JResult<JObject<'l>> {
        // SAFETY: every `method` passed here was resolved with a ()Ljava/…; signature on obj's type.
        unsafe { env.call_method_unchecked(obj, method, OBJECT, &[]) }?.l()
    }

    fn call_array<'l>(&self, env: &mut Env<'l>, obj: &JObject<'_>, method: JMethodID) -> JResult<JObjectArray<'l>> {
        // SAFETY: `method` was resolved with a ()[L…; signature on obj's type.
        let a = unsafe { env.call_method_unchecked(obj, method, ARRAY, &[]) }?.l()?;
        // SAFETY: the method's declared return type is an object array.
        Ok(unsafe { JObjectArray::<JObject>::from_raw(env, a.into_raw()) })
    }

    /// An object-typed field, by an ID resolved on `obj`'s class or a superclass of it.
    fn object_field<'l>(&self, env: &mut Env<'l>, obj: &JObject<'_>, id: JFieldID) -> JResult<JObject<'l>> {
        // SAFETY: every `id` passed here was resolved with an object signature on obj's class (or a
        // superclass); get_field_unchecked rejects a null `obj`.
        unsafe { env.get_field_unchecked(obj, id, OBJECT) }?.l()
    }

    fn query_object(&mut self, env: &mut Env<'_>, pattern: &str) -> JResult<()> {
        if !self.queries.contains_key(pattern) {
            let name = self.object_name(env, pattern)?;
            let global = env.new_global_ref(&name)?;
            self.queries.insert(pattern.to_string(), global);
        }
        Ok(())
    }

    /// The group's request for every attribute, and the `CompositeData` item names its attributes want.
    fn attribute_array(&mut self, env: &mut Env<'_>, group: usize, attrs: &[AttributeRequest]) -> JResult<()> {
        if self.attribute_arrays.contains_key(&group) {
            return Ok(());
        }
        for item in attrs.iter().flat_map(|a| &a.items) {
            if !self.item_keys.contains_key(item) {
                let s = env.new_string(item)?;
                self.item_keys.insert(item, env.new_global_ref(&s)?);
            }
        }
        let all: Vec<usize> = (0..attrs.len()).collect();
        let request = Request::new(env, attrs, &all)?;
        self.attribute_arrays.insert(group, request);
        Ok(())
    }

    /// The `ObjectName`s of every MBean matching `pattern`: reading them with the server's own instances
    /// spares a new `ObjectName` per MBean per cycle (most of our Java garbage, once).
    fn query_names(&mut self, env: &mut Env<'_>, pattern: &str) -> JResult<Global<JObjectArray<'static>>> {
        self.query_object(env, pattern)?;
        let query = &self.queries[pattern];
        let args = [
            JValue::Object(query.as_obj()).as_jni(),
            JValue::Object(&JObject::null()).as_jni(),
        ];
        // SAFETY: queryNames(ObjectName, QueryExp) returns a Set, resolved on MBeanServer.
        let set = unsafe { env.call_method_unchecked(self.server.as_obj(), self.m.query_names, OBJECT, &args) }?.l()?;
        let array = self.call_array(env, &set, self.m.to_array)?;
        env.new_global_ref(&array)
    }

    /// Copies the canonical name of `name` (an `ObjectName`) into `self.canonical`, as UTF-16.
    fn read_canonical(&mut self, env: &mut Env<'_>, name: &JObject<'_>) -> JResult<()> {
        let s = match self.m.canonical_field {
            Some(id) => self.object_field(env, name, id)?,
            None => self.call_object(env, name, self.m.canonical_name)?,
        };
        if s.is_null() {
            return Err(JniError::NullPtr("canonical name"));
        }
        // SAFETY: `s` is a live local reference to a java.lang.String (the field and the method are typed
        // String, null excluded above) and no exception is pending (the call above would have failed).
        unsafe { raw::string_chars(env, &s, &mut self.canonical) };
        env.delete_local_ref(s);
        Ok(())
    }

    /// The names of every attribute an MBean declares (for groups that take all of them).
    fn declared_attributes<'l>(&self, env: &mut Env<'l>, name: &JObject<'_>) -> JResult<JObjectArray<'l, JString<'l>>> {
        // SAFETY: getMBeanInfo(ObjectName) returns an MBeanInfo, resolved on MBeanServer.
        let info = unsafe {
            env.call_method_unchecked(
                self.server.as_obj(),
                self.m.get_mbean_info,
                OBJECT,
                &[JValue::Object(name).as_jni()],
            )
        }?
        .l()?;
        let infos = self.call_array(env, &info, self.m.info_attributes)?;
        let n = infos.len(env)?;
        let empty = JString::null();
        let names = JObjectArray::<JString>::new(env, n, &empty)?;
        for i in 0..n {
            let ai = infos.get_element(env, i)?;
            let s = self.call_object(env, &ai, self.m.feature_name)?;
            let s = env.cast_local::<JString>(s)?;
            names.set_element(env, i, &s)?;
            // An MBean may declare many attributes: keep the frame's local references bounded.
            env.delete_local_ref(s);
            env.delete_local_ref(ai);
        }
        Ok(names)
    }

    /// Which of `attrs` the MBean declares, from its `MBeanInfo`.
    fn declared_subset(&self, env: &mut Env<'_>, name: &JObject<'_>, attrs: &[AttributeRequest]) -> JResult<Vec<bool>> {
        let names = self.declared_attributes(env, name)?;
        let n = names.len(env)?;
        let mut declared = Vec::with_capacity(n);
        for i in 0..n {
            let s = names.get_element(env, i)?;
            declared.push(s.try_to_string(env)?);
            env.delete_local_ref(s);
        }
        Ok(attrs.iter().map(|a| declared.iter().any(|d| d == a.name)).collect())
    }

    /// Learns (or re-learns, when due) which attributes of its group an MBean declares.
    fn learn_declared(
        &mut self,
        env: &mut Env<'_>,
        name: &JObject<'_>,
        known: &mut Option<Declared>,
        spread: u64,
        group: usize,
        attrs: &[AttributeRequest],
    ) -> JResult<()> {
        let cycle = self.cycle;
        if let Some(k) = known {
            if k.subset.is_none() || cycle < k.recheck_at {
                return Ok(());
            }
        }
        let which = self.declared_subset(env, name, attrs)?;
        let requested = which.iter().filter(|w| **w).count();
        let subset = if requested == attrs.len() {
            None
        } else if let Some(i) = self.subsets.iter().position(|(g, w, _)| *g == group && *w == which) {
            Some(i)
        } else {
            let indices: Vec<usize> = (0..attrs.len()).filter(|&i| which[i]).collect();
            let request = Request::new(env, attrs, &indices)?;
            self.subsets.push((group, which, request));
            Some(self.subsets.len() - 1)
        };
        *known = Some(Declared {
            subset,
            requested,
            recheck_at: cycle + RECHECK_CYCLES + spread,
        });
        Ok(())
    }

    /// A `Number` as `f64`: boxed primitives by their field, others by `doubleValue()`. `None`: not a number.
    /// No exception may be pending, and `v` is not null.
    fn number(&self, env: &mut Env<'_>, v: &JObject<'_>) -> JResult<Option<f64>> {
        self.number_after(env, v, &self.m.boxes)
    }

    /// The value of `v` if it is one of `boxes`, by its field. No exception may be pending; `v` is not null.
    fn boxed(&self, env: &Env<'_>, v: &JObject<'_>, boxes: &[NumberBox]) -> Option<f64> {
        boxes.iter().find_map(|(class, id, kind)| {
            // SAFETY: no exception is pending (callers' duty) and `v` is a live non-null reference; `id` is
            // the `value` field of `class`, of type `kind`, and `v` is an instance of `class`.
            unsafe { raw::is_instance_of(env, v, class).then(|| raw::number_field(env, v, *id, *kind)) }
        })
    }

    /// [`MBeanReader::number`] for a `v` known not to be any box before `boxes` in `Methods::boxes`.
    fn number_after(&self, env: &mut Env<'_>, v: &JObject<'_>, boxes: &[NumberBox]) -> JResult<Option<f64>> {
        if let Some(n) = self.boxed(env, v, boxes) {
            return Ok(Some(n));
        }
        if !env.is_instance_of(v, &self.m.number)? {
            return Ok(None);
        }
        // SAFETY: doubleValue()D resolved on java.lang.Number; `v` is a Number.
        Ok(Some(
            unsafe { env.call_method_unchecked(v, self.m.double_value, DOUBLE, &[]) }?.d()?,
        ))
    }

    fn convert(&self, env: &mut Env<'_>, value: &JObject<'_>, items: &[&'static str]) -> JResult<Option<Value>> {
        if value.is_null() {
            return Ok(None);
        }
        // One check each for the usual kinds: a Double (most values), then a String (class names, versions,
        // states), before the other boxes.
        let (first, others) = self.m.boxes.split_at(self.m.boxes.len().min(1));
        if let Some(n) = self.boxed(env, value, first) {
            return Ok(Some(Value::Number(n)));
        }
        // SAFETY: no exception is pending (callers' duty; boxed() throws nothing); `value` is live, not null.
        if unsafe { raw::is_instance_of(env, value, &self.m.string) } {
            // What toString() would return: the String itself.
            return Ok(Some(Value::Text(typed_string(env, value)?)));
        }
        if let Some(n) = self.number_after(env, value, others)? {
            return Ok(Some(Value::Number(n)));
        }
        if env.is_instance_of(value, &self.m.boolean)? {
            // SAFETY: booleanValue()Z resolved on java.lang.Boolean; `value` is a Boolean.
            let b = unsafe { env.call_method_unchecked(value, self.m.boolean_value, BOOLEAN, &[]) }?.z()?;
            return Ok(Some(Value::Bool(b)));
        }
        if !items.is_empty() && env.is_instance_of(value, &self.m.composite)? {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                let key = [JValue::Object(self.item_keys[item].as_obj()).as_jni()];
                // SAFETY: containsKey(String)Z and get(String)Object resolved on CompositeData; `value` is one.
                let has = unsafe { env.call_method_unchecked(value, self.m.contains_key, BOOLEAN, &key) }?.z()?;
                if has {
                    let v = unsafe { env.call_method_unchecked(value, self.m.composite_get, OBJECT, &key) }?.l()?;
                    if !v.is_null() {
                        if let Some(n) = self.number(env, &v)? {
                            out.push((item.to_string(), n));
                        }
                    }
                    env.delete_local_ref(v);
                }
            }
            return Ok(Some(Value::Composite(out)));
        }
        // Enums such as Kafka 4.1's ConnectorType, and anything else, by their toString().
        let s = self.call_object(env, value, self.m.to_string)?;
        if s.is_null() {
            return Ok(None);
        }
        Ok(Some(Value::Text(java_string(env, s)?)))
    }

    /// An `Attribute`'s name and value. No exception may be pending.
    fn attribute_parts<'l>(&self, env: &mut Env<'l>, attr: &JObject<'_>) -> JResult<(JObject<'l>, JObject<'l>)> {
        // AttributeList is a list of Objects: the fields below are only read on an Attribute.
        // SAFETY: no exception is pending (callers' duty); `attr` and the class are live references.
        if attr.is_null() || !unsafe { raw::is_instance_of(env, attr, &self.m.attribute) } {
            return Err(JniError::WrongObjectType);
        }
        Ok(match self.m.attribute_fields {
            // SAFETY: no exception is pending (callers' duty), `attr` is a live non-null Attribute (checked
            // above) and the IDs are its object-typed fields.
            Some((name, value)) => unsafe { (raw::object_field(env, attr, name), raw::object_field(env, attr, value)) },
            None => (
                self.call_object(env, attr, self.m.attribute_name)?,
                self.call_object(env, attr, self.m.attribute_value)?,
            ),
        })
    }

    /// The request an MBean of `group` is read with, given what it declares.
    fn request(&self, group: usize, declared: Declared) -> &Request {
        match declared.subset {
            None => &self.attribute_arrays[&group],
            Some(i) => &self.subsets[i].2,
        }
    }

    /// `getAttributes(name, names)`: a non-null `AttributeList`, or `Ok(None)` when the MBean vanished since
    /// the query (the exception is cleared).
    fn get_attributes<'l>(
        &self,
        env: &mut Env<'l>,
        name: &JObject<'_>,
        names: &JObjectArray<'_, JString<'_>>,
    ) -> JResult<Option<JObject<'l>>> {
        let args = [JValue::Object(name).as_jni(), JValue::Object(names).as_jni()];
        // SAFETY: getAttributes(ObjectName, String[]) returns an AttributeList, resolved on MBeanServer.
        let list =
            match unsafe { env.call_method_unchecked(self.server.as_obj(), self.m.get_attributes, OBJECT, &args) } {
                Ok(v) => v.l()?,
                Err(JniError::JavaException) => {
                    // InstanceNotFoundException: unregistered between queryNames and now.
                    clear(env);
                    return Ok(None);
                }
                Err(e) => return Err(e),
            };
        if list.is_null() {
            return Err(JniError::NullPtr("getAttributes result"));
        }
        Ok(Some(list))
    }

    /// Reads one MBean's attributes. `Ok(None)` when it vanished since the query.
    #[allow(clippy::too_many_arguments)]
    fn read_mbean(
        &mut self,
        env: &mut Env<'_>,
        name: &JObject<'_>,
        group: usize,
        attrs: Option<&[AttributeRequest]>,
        declared: &mut Option<Declared>,
        spread: u64,
        stats: &mut ReadStats,
    ) -> JResult<Option<Values>> {
        let names_local;
        let mut requested = attrs.map_or(0, |a| a.len());
        let request: Option<&Request> = match attrs {
            Some(a) => {
                self.attribute_array(env, group, a)?;
                match self.learn_declared(env, name, declared, spread, group, a) {
                    Ok(()) => {}
                    Err(JniError::JavaException) => {
                        // InstanceNotFoundException: unregistered between queryNames and now.
                        clear(env);
                        return Ok(None);
                    }
                    Err(e) => return Err(e),
                }
                let d = declared.unwrap_or_else(|| unreachable!("learned above"));
                requested = d.requested;
                Some(self.request(group, d))
            }
            None => None,
        };
        let names: &JObjectArray<JString> = match request {
            Some(r) => &r.array,
            None => match self.declared_attributes(env, name) {
                Ok(n) => {
                    names_local = n;
                    &names_local
                }
                Err(JniError::JavaException) => {
                    clear(env);
                    return Ok(None);
                }
                Err(e) => return Err(e),
            },
        };
        let Some(list) = self.get_attributes(env, name, names)? else {
            return Ok(None);
        };
        let (array, n) = match self.m.list_fields {
            // SAFETY: no exception is pending (getAttributes returned normally); `list` is a live non-null
            // AttributeList, an ArrayList, whose `elementData` (Object[]) and `size` (int) fields these are.
            Some((elements, size)) => unsafe {
                let n = raw::int_field(env, &list, size).max(0) as usize;
                let array = JObjectArray::<JObject>::from_raw(env, raw::object_field(env, &list, elements).into_raw());
                (array, n)
            },
            // One toArray() instead of size() and get(i) per attribute.
            None => {
                let array = self.call_array(env, &list, self.m.to_array)?;
                let n = array.len(env)?;
                (array, n)
            }
        };
        // Reading up to `n` elements of `array` below: ArrayList keeps `size` within `elementData`.
        if n > 0 && (array.is_null() || array.len(env)? < n) {
            return Err(JniError::NullPtr("attribute list elements"));
        }
        // Up to four local references per attribute (itself, name, value, a toString() result), released with
        // the caller's frame.
        env.ensure_local_capacity(4 * n + 8)?;
        let mut values = Vec::with_capacity(n);
        // Where the next attribute is expected in the request, and whether names still match by identity.
        let mut next = 0;
        let mut by_identity = true;
        for i in 0..n {
            // SAFETY: no exception is pending (every Java call above returned normally, every error since was
            // cleared) and `i` is below the array's length.
            let attr = unsafe { raw::element(env, &array, i) };
            let (attr_name, value) = self.attribute_parts(env, &attr)?;
            let mut matched: Option<&AttributeRequest> = None;
            if let (Some(r), Some(a), true) = (request, attrs, by_identity) {
                // SAFETY: as above; `attr_name` is a live local reference.
                match unsafe { r.position_of(env, &attr_name, next) } {
                    Some(j) => {
                        matched = Some(&a[r.names[j].1]);
                        next = j + 1;
                    }
                    None => by_identity = false,
                }
            }
            let (attr_name, items): (Cow<'static, str>, &[&'static str]) = match matched {
                Some(r) => (Cow::Borrowed(r.name), &r.items),
                None => {
                    let s = typed_string(env, &attr_name)?;
                    match attrs.and_then(|a| a.iter().find(|r| r.name == s)) {
                        Some(r) => (Cow::Borrowed(r.name), &r.items),
                        None => (Cow::Owned(s), &[]),
                    }
                }
            };
            match self.convert(env, &value, items) {
                Ok(Some(v)) => values.push((attr_name, v)),
                Ok(None) => {}
                Err(JniError::JavaException) => {
                    clear(env);
                    stats.error("conversion");
                }
                Err(e) => return Err(e),
            }
        }
        // getAttributes leaves out attributes whose getter threw.
        if attrs.is_some() {
            for _ in values.len()..requested {
                stats.error("attribute");
            }
        }
        stats.attributes += values.len() as u64;
        Ok(Some(values))
    }

    /// The slot in `known` of the MBean named `object_name`, found at `index` of query `query`'s result
    /// (marked seen this cycle; a first-seen MBean gets one). No exception may be pending.
    fn slot_of(
        &mut self,
        env: &mut Env<'_>,
        query: usize,
        index: usize,
        object_name: &JObject<'_>,
        plan: &ReadPlan,
    ) -> JResult<usize> {
        let cycle = self.cycle;
        if let Some(Some((there, slot))) = self.positions[query].get(index) {
            // SAFETY: no exception is pending (callers' duty); both are live references.
            if unsafe { raw::is_same_object(env, object_name, there) } {
                if let Some(known) = self.known[*slot].as_mut() {
                    known.seen = cycle;
                    return Ok(*slot);
                }
            }
        }
        self.read_canonical(env, object_name)?;
        let slot = match self.by_canonical.get(self.canonical.as_slice()) {
            Some(&slot) => slot,
            None => {
                let known = Some(Known::new(&self.canonical, plan, cycle));
                let slot = match self.free.pop() {
                    Some(slot) => {
                        self.known[slot] = known;
                        slot
                    }
                    None => {
                        self.known.push(known);
                        self.known.len() - 1
                    }
                };
                self.by_canonical.insert(self.canonical.clone(), slot);
                slot
            }
        };
        if let Some(known) = self.known[slot].as_mut() {
            known.seen = cycle;
        }
        let there = Some((env.new_global_ref(object_name)?, slot));
        let positions = &mut self.positions[query];
        if positions.len() <= index {
            positions.resize_with(index + 1, || None);
        }
        positions[index] = there;
        Ok(slot)
    }

    /// Reads the `index`th of `object_names`, query `query`'s result, if its group is read. `Ok(None)`:
    /// skipped (counted if an error).
    #[allow(clippy::too_many_arguments)]
    fn read_one(
        &mut self,
        env: &mut Env<'_>,
        query: usize,
        object_names: &JObjectArray<'_>,
        index: usize,
        plan: &ReadPlan,
        stats: &mut ReadStats,
    ) -> JResult<Option<MBeanSample>> {
        // SAFETY: no exception is pending (the query returned normally, and every error since was cleared)
        // and `index` is below the array's length.
        let object_name = unsafe { raw::element(env, object_names, index) };
        let slot = self.slot_of(env, query, index, &object_name, plan)?;
        // What is needed is copied out so the reader can be borrowed again.
        let found = match &self.known[slot] {
            Some(known) => known.to_read(),
            None => unreachable!("slot_of returns an occupied slot"),
        };
        let (name, group, before, spread) = match found {
            ToRead::Yes {
                name,
                group,
                declared,
                spread,
            } => (name, group, declared, spread),
            ToRead::No => return Ok(None),
            ToRead::BadName => {
                stats.error("name");
                return Ok(None);
            }
        };
        let mut declared = before;
        let attrs = plan.attributes[group].as_deref();
        let read = self.read_mbean(env, &object_name, group, attrs, &mut declared, spread, stats);
        if declared != before {
            if let Some(k) = self.known[slot].as_mut() {
                k.declared = declared;
            }
        }
        match read? {
            Some(values) => {
                stats.mbeans += 1;
                Ok(Some(MBeanSample { name, group, values }))
            }
            None => {
                stats.error("vanished");
                Ok(None)
            }
        }
    }

    /// Test builds only, for the benchmark's breakdown of a read: the Java work of the last `read` again,
    /// without unpacking anything. Per query one `queryNames`, per MBean read one `getAttributes` with the
    /// same request (or its `MBeanInfo`'s names, as `read` does for groups that take every attribute); of
    /// each result only the size is read. Returns the attribute values the calls returned.
    #[cfg(feature = "test-hooks")]
    pub fn read_java_only(&mut self, env: &mut Env<'_>, plan: &ReadPlan) -> JResult<u64> {
        let mut values = 0;
        for (query, pattern) in plan.queries.iter().enumerate() {
            let object_names = env.with_local_frame(8, |env| self.query_names(env, pattern))?;
            for index in 0..object_names.len(env)? {
                values += env.with_local_frame(16, |env| -> JResult<u64> {
                    // SAFETY: as in read_one.
                    let object_name = unsafe { raw::element(env, &object_names, index) };
                    let slot = self.slot_of(env, query, index, &object_name, plan)?;
                    let Some(known) = &self.known[slot] else {
                        return Ok(0);
                    };
                    let names_local;
                    let names: &JObjectArray<JString>;
                    match (known.group, known.declared) {
                        (Some(group), Some(declared)) => names = &self.request(group, declared).array,
                        (Some(group), None) if plan.attributes[group].is_none() => {
                            names_local = self.declared_attributes(env, &object_name)?;
                            names = &names_local;
                        }
                        _ => return Ok(0),
                    }
                    let Some(list) = self.get_attributes(env, &object_name, names)? else {
                        return Ok(0);
                    };
                    let size = match self.m.list_fields {
                        // SAFETY: as in read_mbean: no exception is pending and `list` is a non-null ArrayList.
                        Some((_, size)) => unsafe { raw::int_field(env, &list, size) },
                        None => self.call_array(env, &list, self.m.to_array)?.len(env)? as i32,
                    };
                    Ok(size.max(0) as u64)
                })?;
            }
        }
        Ok(values)
    }

    /// Test builds only: the mean wall time, in picoseconds, of `GetObjectArrayElement` over `calls` calls on
    /// the first query's names. It is the cheapest JNI call that hands back a reference, and reading a value
    /// takes at least three such calls (the `Attribute`, its value, the number in it).
    #[cfg(feature = "test-hooks")]
    pub fn jni_call_ps(&mut self, env: &mut Env<'_>, plan: &ReadPlan, calls: usize) -> JResult<u64> {
        const PER_FRAME: usize = 1024;
        let Some(pattern) = plan.queries.first() else {
            return Ok(0);
        };
        let names = env.with_local_frame(8, |env| self.query_names(env, pattern))?;
        let n = names.len(env)?;
        if n == 0 {
            return Ok(0);
        }
        let frames = calls.div_ceil(PER_FRAME);
        let begun = std::time::Instant::now();
        for _ in 0..frames {
            env.with_local_frame(PER_FRAME + 8, |env| -> JResult<()> {
                for i in 0..PER_FRAME {
                    // SAFETY: no exception is pending (the query returned normally) and the index is in bounds.
                    let _ = unsafe { raw::element(env, &names, i % n) };
                }
                Ok(())
            })?;
        }
        Ok((begun.elapsed().as_nanos() * 1000 / (frames * PER_FRAME) as u128) as u64)
    }

    /// Forgets the MBeans not seen this cycle (a re-registered one is asked afresh), and every position that
    /// names one, so that a freed slot is never reached by an old position.
    fn forget_unseen(&mut self) {
        let cycle = self.cycle;
        let (known, free) = (&mut self.known, &mut self.free);
        self.by_canonical.retain(|_, &mut slot| {
            let seen = known[slot].as_ref().is_some_and(|k| k.seen == cycle);
            if !seen {
                known[slot] = None;
                free.push(slot);
            }
            seen
        });
        for position in self.positions.iter_mut().flatten() {
            if position.as_ref().is_some_and(|(_, slot)| known[*slot].is_none()) {
                *position = None;
            }
        }
    }

    /// One full read for `plan`.
    pub fn read(&mut self, env: &mut Env<'_>, plan: &ReadPlan) -> Snapshot {
        let mut snapshot = Snapshot::default();
        let mut stats = ReadStats::default();
        self.cycle += 1;
        self.positions.resize_with(plan.queries.len(), Vec::new);
        for (query, pattern) in plan.queries.iter().enumerate() {
            let listed = env.with_local_frame(8, |env| {
                let names = self.query_names(env, pattern)?;
                let n = names.len(env)?;
                Ok::<_, JniError>((names, n))
            });
            let (object_names, n) = match listed {
                Ok(l) => l,
                Err(_) => {
                    clear(env);
                    stats.error("query");
                    continue;
                }
            };
            self.positions[query].truncate(n);
            for index in 0..n {
                match env.with_local_frame(64, |env| {
                    self.read_one(env, query, &object_names, index, plan, &mut stats)
                }) {
                    Ok(Some(sample)) => snapshot.mbeans.push(sample),
                    Ok(None) => {}
                    Err(_) => {
                        clear(env);
                        stats.error("jni");
                    }
                }
            }
        }
        self.forget_unseen();
        snapshot.stats = stats;
        snapshot
    }
}
