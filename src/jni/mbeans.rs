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

use std::collections::HashMap;

use jni::errors::Error as JniError;
use jni::ids::JMethodID;
use jni::objects::{JClass, JObject, JObjectArray, JString, JValue};
use jni::refs::Global;
use jni::signature::{JavaType, Primitive, ReturnType};
use jni::{jni_sig, jni_str, Env};

use crate::objectname::ObjectName;
use crate::snapshot::{AttributeRequest, MBeanSample, ReadPlan, ReadStats, Snapshot, Value};

type JResult<T> = Result<T, JniError>;

const OBJECT: ReturnType = JavaType::Object;
const ARRAY: ReturnType = JavaType::Array;
const INT: ReturnType = JavaType::Primitive(Primitive::Int);
const DOUBLE: ReturnType = JavaType::Primitive(Primitive::Double);
const BOOLEAN: ReturnType = JavaType::Primitive(Primitive::Boolean);

/// Every class and method the reader uses, resolved once on the collector thread.
struct Methods {
    object_name: Global<JClass<'static>>,
    number: Global<JClass<'static>>,
    boolean: Global<JClass<'static>>,
    composite: Global<JClass<'static>>,
    object_name_new: JMethodID,
    canonical_name: JMethodID,
    query_names: JMethodID,
    get_attributes: JMethodID,
    get_mbean_info: JMethodID,
    info_attributes: JMethodID,
    feature_name: JMethodID,
    to_array: JMethodID,
    list_size: JMethodID,
    list_get: JMethodID,
    attribute_name: JMethodID,
    attribute_value: JMethodID,
    double_value: JMethodID,
    boolean_value: JMethodID,
    contains_key: JMethodID,
    composite_get: JMethodID,
    to_string: JMethodID,
}

impl Methods {
    fn resolve(env: &mut Env<'_>) -> JResult<Methods> {
        let class = |env: &mut Env<'_>, name: &jni::strings::JNIStr| -> JResult<Global<JClass<'static>>> {
            let c = env.load_class(name)?;
            env.new_global_ref(&c)
        };
        let object_name = class(env, jni_str!("javax.management.ObjectName"))?;
        let number = class(env, jni_str!("java.lang.Number"))?;
        let boolean = class(env, jni_str!("java.lang.Boolean"))?;
        let composite = class(env, jni_str!("javax.management.openmbean.CompositeData"))?;
        let server = class(env, jni_str!("javax.management.MBeanServer"))?;
        let info = class(env, jni_str!("javax.management.MBeanInfo"))?;
        let feature = class(env, jni_str!("javax.management.MBeanFeatureInfo"))?;
        let collection = class(env, jni_str!("java.util.Collection"))?;
        let list = class(env, jni_str!("java.util.List"))?;
        let attribute = class(env, jni_str!("javax.management.Attribute"))?;
        let object = class(env, jni_str!("java.lang.Object"))?;
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
            list_size: env.get_method_id(&list, jni_str!("size"), jni_sig!("()I"))?,
            list_get: env.get_method_id(&list, jni_str!("get"), jni_sig!("(I)Ljava/lang/Object;"))?,
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
            object_name,
            number,
            boolean,
            composite,
        })
    }
}

/// Java objects kept across cycles (global references, released on the collector thread).
pub struct MBeanReader {
    server: Global<JObject<'static>>,
    m: Methods,
    /// Per query pattern, the `ObjectName` to pass to `queryNames`.
    queries: HashMap<String, Global<JObject<'static>>>,
    /// Per group index, the `String[]` of attribute names to request.
    attribute_arrays: HashMap<usize, Global<JObjectArray<'static, JString<'static>>>>,
    /// `CompositeData` item names.
    item_keys: HashMap<&'static str, Global<JString<'static>>>,
    /// Per MBean (canonical name) read in the last cycle: which of its group's attributes it declares.
    known: HashMap<String, Declared>,
    /// `String[]`s for MBeans that declare only some of their group's attributes: (group, which, array).
    subsets: Vec<(usize, Vec<bool>, Global<JObjectArray<'static, JString<'static>>>)>,
    cycle: u64,
}

/// How often (in cycles) an MBean lacking some attributes is asked again what it declares.
const RECHECK_CYCLES: u64 = 20;

struct Declared {
    /// `None`: every attribute of the group; else an index into `MBeanReader::subsets`.
    subset: Option<usize>,
    /// How many attributes are requested.
    requested: usize,
    recheck_at: u64,
    seen: u64,
}

/// Clears a pending Java exception: errors are handled in Rust.
fn clear(env: &mut Env<'_>) {
    if env.exception_check() {
        env.exception_clear();
    }
}

fn java_string(env: &mut Env<'_>, obj: JObject<'_>) -> JResult<String> {
    let s: JString = env.cast_local::<JString>(obj)?;
    s.try_to_string(env)
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
            known: HashMap::new(),
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
        env.cast_local::<JObjectArray>(a)
    }

    fn query_object(&mut self, env: &mut Env<'_>, pattern: &str) -> JResult<()> {
        if !self.queries.contains_key(pattern) {
            let name = self.object_name(env, pattern)?;
            let global = env.new_global_ref(&name)?;
            self.queries.insert(pattern.to_string(), global);
        }
        Ok(())
    }

    fn attribute_array(&mut self, env: &mut Env<'_>, group: usize, attrs: &[AttributeRequest]) -> JResult<()> {
        if self.attribute_arrays.contains_key(&group) {
            return Ok(());
        }
        let empty = JString::null();
        let array = JObjectArray::<JString>::new(env, attrs.len(), &empty)?;
        for (i, a) in attrs.iter().enumerate() {
            let s = env.new_string(a.name)?;
            array.set_element(env, i, &s)?;
            env.delete_local_ref(s);
        }
        let global = env.new_global_ref(&array)?;
        self.attribute_arrays.insert(group, global);
        Ok(())
    }

    /// Canonical names of every MBean matching `pattern`, and the `ObjectName`s themselves (in the same
    /// order) to read them with: parsing a new `ObjectName` per MBean per cycle was most of our Java garbage.
    fn query_names(
        &mut self,
        env: &mut Env<'_>,
        pattern: &str,
    ) -> JResult<(Vec<String>, Global<JObjectArray<'static>>)> {
        self.query_object(env, pattern)?;
        let query = &self.queries[pattern];
        let args = [
            JValue::Object(query.as_obj()).as_jni(),
            JValue::Object(&JObject::null()).as_jni(),
        ];
        // SAFETY: queryNames(ObjectName, QueryExp) returns a Set, resolved on MBeanServer.
        let set = unsafe { env.call_method_unchecked(self.server.as_obj(), self.m.query_names, OBJECT, &args) }?.l()?;
        let array = self.call_array(env, &set, self.m.to_array)?;
        let n = array.len(env)?;
        let mut out = Vec::with_capacity(n);
        for i in 0..n {
            let name = array.get_element(env, i)?;
            let canonical = self.call_object(env, &name, self.m.canonical_name)?;
            out.push(java_string(env, canonical)?);
            env.delete_local_ref(name);
        }
        Ok((out, env.new_global_ref(&array)?))
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
        canonical: &str,
        group: usize,
        attrs: &[AttributeRequest],
    ) -> JResult<()> {
        let cycle = self.cycle;
        if let Some(k) = self.known.get_mut(canonical) {
            k.seen = cycle;
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
            let empty = JString::null();
            let array = JObjectArray::<JString>::new(env, requested, &empty)?;
            for (i, a) in attrs
                .iter()
                .zip(&which)
                .filter(|(_, w)| **w)
                .map(|(a, _)| a)
                .enumerate()
            {
                let s = env.new_string(a.name)?;
                array.set_element(env, i, &s)?;
                env.delete_local_ref(s);
            }
            let global = env.new_global_ref(&array)?;
            self.subsets.push((group, which, global));
            Some(self.subsets.len() - 1)
        };
        // Spread re-checks over cycles so that MBeans first seen together are not all asked at once.
        let spread = canonical
            .bytes()
            .fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(b as u64))
            % RECHECK_CYCLES;
        self.known.insert(
            canonical.to_string(),
            Declared {
                subset,
                requested,
                recheck_at: cycle + RECHECK_CYCLES + spread,
                seen: cycle,
            },
        );
        Ok(())
    }

    fn number(&self, env: &mut Env<'_>, v: &JObject<'_>) -> JResult<f64> {
        // SAFETY: doubleValue()D resolved on java.lang.Number; callers checked `v` is a Number.
        unsafe { env.call_method_unchecked(v, self.m.double_value, DOUBLE, &[]) }?.d()
    }

    fn convert(&mut self, env: &mut Env<'_>, value: &JObject<'_>, items: &[&'static str]) -> JResult<Option<Value>> {
        if value.is_null() {
            return Ok(None);
        }
        if env.is_instance_of(value, &self.m.number)? {
            return Ok(Some(Value::Number(self.number(env, value)?)));
        }
        if env.is_instance_of(value, &self.m.boolean)? {
            // SAFETY: booleanValue()Z resolved on java.lang.Boolean; `value` is a Boolean.
            let b = unsafe { env.call_method_unchecked(value, self.m.boolean_value, BOOLEAN, &[]) }?.z()?;
            return Ok(Some(Value::Bool(b)));
        }
        if !items.is_empty() && env.is_instance_of(value, &self.m.composite)? {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                if !self.item_keys.contains_key(item) {
                    let s = env.new_string(item)?;
                    let g = env.new_global_ref(&s)?;
                    self.item_keys.insert(item, g);
                }
                let key = [JValue::Object(self.item_keys[item].as_obj()).as_jni()];
                // SAFETY: containsKey(String)Z and get(String)Object resolved on CompositeData; `value` is one.
                let has = unsafe { env.call_method_unchecked(value, self.m.contains_key, BOOLEAN, &key) }?.z()?;
                if has {
                    let v = unsafe { env.call_method_unchecked(value, self.m.composite_get, OBJECT, &key) }?.l()?;
                    if !v.is_null() && env.is_instance_of(&v, &self.m.number)? {
                        out.push((item.to_string(), self.number(env, &v)?));
                    }
                }
            }
            return Ok(Some(Value::Composite(out)));
        }
        // Strings, and enums such as Kafka 4.1's ConnectorType, by their toString().
        let s = self.call_object(env, value, self.m.to_string)?;
        if s.is_null() {
            return Ok(None);
        }
        Ok(Some(Value::Text(java_string(env, s)?)))
    }

    /// Reads one MBean's attributes. `Ok(None)` when it vanished since the query.
    #[allow(clippy::too_many_arguments)]
    fn read_mbean(
        &mut self,
        env: &mut Env<'_>,
        object_names: &JObjectArray<'_>,
        index: usize,
        canonical: &str,
        group: usize,
        attrs: Option<&[AttributeRequest]>,
        stats: &mut ReadStats,
    ) -> JResult<Option<Vec<(String, Value)>>> {
        let name = object_names.get_element(env, index)?;
        let names_local;
        let mut requested = attrs.map_or(0, |a| a.len());
        let names: &JObjectArray<JString> = match attrs {
            Some(a) => {
                self.attribute_array(env, group, a)?;
                match self.learn_declared(env, &name, canonical, group, a) {
                    Ok(()) => {}
                    Err(JniError::JavaException) => {
                        // InstanceNotFoundException: unregistered between queryNames and now.
                        clear(env);
                        return Ok(None);
                    }
                    Err(e) => return Err(e),
                }
                let declared = &self.known[canonical];
                requested = declared.requested;
                match declared.subset {
                    None => &self.attribute_arrays[&group],
                    Some(i) => &self.subsets[i].2,
                }
            }
            None => match self.declared_attributes(env, &name) {
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
        let args = [JValue::Object(&name).as_jni(), JValue::Object(names).as_jni()];
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
        // SAFETY: size()I and get(I)Object resolved on java.util.List; AttributeList is a List.
        let n = unsafe { env.call_method_unchecked(&list, self.m.list_size, INT, &[]) }?.i()?;
        let mut values = Vec::with_capacity(n.max(0) as usize);
        for i in 0..n {
            let attr =
                unsafe { env.call_method_unchecked(&list, self.m.list_get, OBJECT, &[JValue::Int(i).as_jni()]) }?
                    .l()?;
            let attr_name = self.call_object(env, &attr, self.m.attribute_name)?;
            let attr_name = java_string(env, attr_name)?;
            let value = self.call_object(env, &attr, self.m.attribute_value)?;
            let items: &[&'static str] = attrs
                .and_then(|a| a.iter().find(|r| r.name == attr_name))
                .map(|r| r.items.as_slice())
                .unwrap_or(&[]);
            match self.convert(env, &value, items) {
                Ok(Some(v)) => values.push((attr_name, v)),
                Ok(None) => {}
                Err(JniError::JavaException) => {
                    clear(env);
                    stats.error("conversion");
                }
                Err(e) => return Err(e),
            }
            env.delete_local_ref(value);
            env.delete_local_ref(attr);
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

    /// One full read for `plan`.
    pub fn read(&mut self, env: &mut Env<'_>, plan: &ReadPlan) -> Snapshot {
        let mut snapshot = Snapshot::default();
        let mut stats = ReadStats::default();
        self.cycle += 1;
        for pattern in &plan.queries {
            let (names, object_names) = match env.with_local_frame(64, |env| self.query_names(env, pattern)) {
                Ok(n) => n,
                Err(_) => {
                    clear(env);
                    stats.error("query");
                    continue;
                }
            };
            for (index, canonical) in names.into_iter().enumerate() {
                let Some(name) = ObjectName::parse(&canonical) else {
                    stats.error("name");
                    continue;
                };
                let Some(group) = plan.classify(&name) else { continue };
                let attrs = plan.attributes[group].as_deref();
                let read = env.with_local_frame(64, |env| {
                    self.read_mbean(env, &object_names, index, &canonical, group, attrs, &mut stats)
                });
                match read {
                    Ok(Some(values)) => {
                        stats.mbeans += 1;
                        snapshot.mbeans.push(MBeanSample { name, group, values });
                    }
                    Ok(None) => stats.error("vanished"),
                    Err(_) => {
                        clear(env);
                        stats.error("jni");
                    }
                }
            }
        }
        // Forget MBeans that are gone (a re-registered one is asked afresh).
        let cycle = self.cycle;
        self.known.retain(|_, k| k.seen == cycle);
        snapshot.stats = stats;
        snapshot
    }
}
