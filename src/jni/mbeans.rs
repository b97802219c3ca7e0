//! Reads MBeans from the platform MBeanServer through JNI into a [`Snapshot`].
//!
//! Per cycle: one `queryNames` per domain, then one batched `getAttributes` per MBean with the attribute
//! names the rules need (a cached `String[]` per group). Values become plain Rust: numbers, strings,
//! booleans, `CompositeData` items; anything else (enums such as Kafka 4.1's `ConnectorType`) via
//! `toString()`. An MBean that vanished between query and read, or an attribute that throws, is counted
//! and skipped; it never stops the cycle.

use std::collections::HashMap;

use jni::errors::Error as JniError;
use jni::objects::{JObject, JObjectArray, JString, JValue};
use jni::refs::Global;
use jni::{jni_sig, jni_str, Env};

use crate::objectname::ObjectName;
use crate::snapshot::{AttributeRequest, MBeanSample, ReadPlan, ReadStats, Snapshot, Value};

type JResult<T> = Result<T, JniError>;

/// Java objects kept across cycles (global references, released on the collector thread).
pub struct MBeanReader {
    server: Global<JObject<'static>>,
    /// Per query pattern, the `ObjectName` to pass to `queryNames`.
    queries: HashMap<String, Global<JObject<'static>>>,
    /// Per group index, the `String[]` of attribute names to request.
    attribute_arrays: HashMap<usize, Global<JObjectArray<'static, JString<'static>>>>,
}

/// Clears a pending Java exception (we handle errors in Rust) and reports the JNI error kind.
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
        Ok(MBeanReader {
            server,
            queries: HashMap::new(),
            attribute_arrays: HashMap::new(),
        })
    }

    fn query_object(&mut self, env: &mut Env<'_>, pattern: &str) -> JResult<()> {
        if self.queries.contains_key(pattern) {
            return Ok(());
        }
        let s = env.new_string(pattern)?;
        let name = env.new_object(
            jni_str!("javax/management/ObjectName"),
            jni_sig!("(Ljava/lang/String;)V"),
            &[JValue::Object(&s)],
        )?;
        let global = env.new_global_ref(&name)?;
        self.queries.insert(pattern.to_string(), global);
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

    /// Canonical names of every MBean matching `pattern`.
    fn query_names(&mut self, env: &mut Env<'_>, pattern: &str) -> JResult<Vec<String>> {
        self.query_object(env, pattern)?;
        let query = &self.queries[pattern];
        let set = env
            .call_method(
                self.server.as_obj(),
                jni_str!("queryNames"),
                jni_sig!("(Ljavax/management/ObjectName;Ljavax/management/QueryExp;)Ljava/util/Set;"),
                &[JValue::Object(query.as_obj()), JValue::Object(&JObject::null())],
            )?
            .l()?;
        let array = env
            .call_method(&set, jni_str!("toArray"), jni_sig!("()[Ljava/lang/Object;"), &[])?
            .l()?;
        let array = env.cast_local::<JObjectArray>(array)?;
        let n = array.len(env)?;
        let mut out = Vec::with_capacity(n);
        for i in 0..n {
            let name = array.get_element(env, i)?;
            let canonical = env
                .call_method(
                    &name,
                    jni_str!("getCanonicalName"),
                    jni_sig!("()Ljava/lang/String;"),
                    &[],
                )?
                .l()?;
            out.push(java_string(env, canonical)?);
            env.delete_local_ref(name);
        }
        Ok(out)
    }

    /// The names of every attribute an MBean declares (for groups that take all of them).
    fn declared_attributes<'l>(&self, env: &mut Env<'l>, name: &JObject<'_>) -> JResult<JObjectArray<'l, JString<'l>>> {
        let info = env
            .call_method(
                self.server.as_obj(),
                jni_str!("getMBeanInfo"),
                jni_sig!("(Ljavax/management/ObjectName;)Ljavax/management/MBeanInfo;"),
                &[JValue::Object(name)],
            )?
            .l()?;
        let infos = env
            .call_method(
                &info,
                jni_str!("getAttributes"),
                jni_sig!("()[Ljavax/management/MBeanAttributeInfo;"),
                &[],
            )?
            .l()?;
        let infos = env.cast_local::<JObjectArray>(infos)?;
        let n = infos.len(env)?;
        let empty = JString::null();
        let names = JObjectArray::<JString>::new(env, n, &empty)?;
        for i in 0..n {
            let ai = infos.get_element(env, i)?;
            let s = env
                .call_method(&ai, jni_str!("getName"), jni_sig!("()Ljava/lang/String;"), &[])?
                .l()?;
            let s = env.cast_local::<JString>(s)?;
            names.set_element(env, i, &s)?;
        }
        Ok(names)
    }

    fn convert(
        &self,
        env: &mut Env<'_>,
        value: &JObject<'_>,
        items: &[&'static str],
        stats: &mut ReadStats,
    ) -> JResult<Option<Value>> {
        if value.is_null() {
            return Ok(None);
        }
        if env.is_instance_of(value, jni_str!("java/lang/Number"))? {
            let d = env
                .call_method(value, jni_str!("doubleValue"), jni_sig!("()D"), &[])?
                .d()?;
            return Ok(Some(Value::Number(d)));
        }
        if env.is_instance_of(value, jni_str!("java/lang/Boolean"))? {
            let b = env
                .call_method(value, jni_str!("booleanValue"), jni_sig!("()Z"), &[])?
                .z()?;
            return Ok(Some(Value::Bool(b)));
        }
        if !items.is_empty() && env.is_instance_of(value, jni_str!("javax/management/openmbean/CompositeData"))? {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                let key = env.new_string(item)?;
                let has = env
                    .call_method(
                        value,
                        jni_str!("containsKey"),
                        jni_sig!("(Ljava/lang/String;)Z"),
                        &[JValue::Object(&key)],
                    )?
                    .z()?;
                if has {
                    let v = env
                        .call_method(
                            value,
                            jni_str!("get"),
                            jni_sig!("(Ljava/lang/String;)Ljava/lang/Object;"),
                            &[JValue::Object(&key)],
                        )?
                        .l()?;
                    if !v.is_null() && env.is_instance_of(&v, jni_str!("java/lang/Number"))? {
                        let d = env
                            .call_method(&v, jni_str!("doubleValue"), jni_sig!("()D"), &[])?
                            .d()?;
                        out.push((item.to_string(), d));
                    }
                }
            }
            return Ok(Some(Value::Composite(out)));
        }
        // Strings, and enums such as Kafka 4.1's ConnectorType, by their toString().
        let s = env
            .call_method(value, jni_str!("toString"), jni_sig!("()Ljava/lang/String;"), &[])?
            .l()?;
        if s.is_null() {
            stats.error("conversion");
            return Ok(None);
        }
        Ok(Some(Value::Text(java_string(env, s)?)))
    }

    /// Reads one MBean's attributes. `Ok(None)` when it vanished since the query.
    fn read_mbean(
        &mut self,
        env: &mut Env<'_>,
        canonical: &str,
        group: usize,
        attrs: Option<&[AttributeRequest]>,
        stats: &mut ReadStats,
    ) -> JResult<Option<Vec<(String, Value)>>> {
        let s = env.new_string(canonical)?;
        let name = env.new_object(
            jni_str!("javax/management/ObjectName"),
            jni_sig!("(Ljava/lang/String;)V"),
            &[JValue::Object(&s)],
        )?;
        let names_local;
        let names: &JObjectArray<JString> = match attrs {
            Some(a) => {
                self.attribute_array(env, group, a)?;
                &self.attribute_arrays[&group]
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
        let list = match env.call_method(
            self.server.as_obj(),
            jni_str!("getAttributes"),
            jni_sig!("(Ljavax/management/ObjectName;[Ljava/lang/String;)Ljavax/management/AttributeList;"),
            &[JValue::Object(&name), JValue::Object(names)],
        ) {
            Ok(v) => v.l()?,
            Err(JniError::JavaException) => {
                // InstanceNotFoundException: unregistered between queryNames and now.
                clear(env);
                return Ok(None);
            }
            Err(e) => return Err(e),
        };
        let n = env.call_method(&list, jni_str!("size"), jni_sig!("()I"), &[])?.i()?;
        let mut values = Vec::with_capacity(n.max(0) as usize);
        for i in 0..n {
            let attr = env
                .call_method(
                    &list,
                    jni_str!("get"),
                    jni_sig!("(I)Ljava/lang/Object;"),
                    &[JValue::Int(i)],
                )?
                .l()?;
            let attr_name = env
                .call_method(&attr, jni_str!("getName"), jni_sig!("()Ljava/lang/String;"), &[])?
                .l()?;
            let attr_name = java_string(env, attr_name)?;
            let value = env
                .call_method(&attr, jni_str!("getValue"), jni_sig!("()Ljava/lang/Object;"), &[])?
                .l()?;
            let items: &[&'static str] = attrs
                .and_then(|a| a.iter().find(|r| r.name == attr_name))
                .map(|r| r.items.as_slice())
                .unwrap_or(&[]);
            match self.convert(env, &value, items, stats) {
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
        if let Some(a) = attrs {
            let missing = a.len().saturating_sub(values.len());
            for _ in 0..missing {
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
        for pattern in &plan.queries {
            let names = match env.with_local_frame(64, |env| self.query_names(env, pattern)) {
                Ok(n) => n,
                Err(_) => {
                    clear(env);
                    stats.error("query");
                    continue;
                }
            };
            for canonical in names {
                let Some(name) = ObjectName::parse(&canonical) else {
                    stats.error("name");
                    continue;
                };
                let Some(group) = plan.classify(&name) else { continue };
                let attrs = plan.attributes[group].as_deref();
                let read = env.with_local_frame(64, |env| self.read_mbean(env, &canonical, group, attrs, &mut stats));
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
        snapshot.stats = stats;
        snapshot
    }
}
