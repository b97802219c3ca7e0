//! The `String[]`s of attribute names the reader passes to `getAttributes`, made once per group (and per
//! subset of a group that some MBeans declare), and the `CompositeData` item names.
//!
//! Why kept: a new `String[]` per MBean per cycle would be garbage in the worker, and keeping the very
//! Strings lets the reader recognise a returned `Attribute` by the identity of its name: `getAttributes`
//! implementations (Kafka's `KafkaMbean`, the JDK's MBean support) build it with the String they were passed.

use std::collections::HashMap;

use jni::errors::Result as JResult;
use jni::objects::{JObject, JObjectArray, JString};
use jni::refs::Global;

use super::raw::NoPending;
use crate::collect::plan::AttributeRequest;

/// A `String[]` of attribute names to request, and its elements.
pub struct Request {
    pub array: Global<JObjectArray<'static, JString<'static>>>,
    /// Per element: the String, and its index in the group's [`AttributeRequest`]s.
    pub names: Vec<(Global<JString<'static>>, usize)>,
}

impl Request {
    /// The request for `attrs[i]` for each `i` of `which`.
    fn new(ok: &mut NoPending<'_, '_>, attrs: &[AttributeRequest], which: &[usize]) -> JResult<Request> {
        ok.java(|env| {
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
        })
    }

    /// The position of the element that is `name` itself, looking from `from` on (where the next one is
    /// expected: attributes come back in request order, less those whose getter threw).
    pub fn position_of(&self, ok: &NoPending<'_, '_>, name: &JObject<'_>, from: usize) -> Option<usize> {
        let n = self.names.len();
        (0..n)
            .map(|step| (from + step) % n)
            .find(|&j| ok.is_same_object(name, &self.names[j].0))
    }
}

/// Every request made so far, by group.
#[derive(Default)]
pub struct Requests {
    /// Per group index, the request for every attribute of the group.
    all: HashMap<usize, Request>,
    /// Requests for MBeans that declare only some of their group's attributes: (group, which, request).
    subsets: Vec<(usize, Vec<bool>, Request)>,
    /// `CompositeData` item names.
    pub item_keys: HashMap<&'static str, Global<JString<'static>>>,
}

impl Requests {
    /// Makes the group's request for every attribute, and the `CompositeData` item names its attributes
    /// want, unless made already.
    pub fn prepare(&mut self, ok: &mut NoPending<'_, '_>, group: usize, attrs: &[AttributeRequest]) -> JResult<()> {
        if self.all.contains_key(&group) {
            return Ok(());
        }
        for item in attrs.iter().flat_map(|a| &a.items) {
            if !self.item_keys.contains_key(item) {
                let key = ok.java(|env| {
                    let s = env.new_string(item)?;
                    env.new_global_ref(&s)
                })?;
                self.item_keys.insert(item, key);
            }
        }
        let all: Vec<usize> = (0..attrs.len()).collect();
        let request = Request::new(ok, attrs, &all)?;
        self.all.insert(group, request);
        Ok(())
    }

    /// The index of the request for the attributes of `group` that `which` marks (made if new).
    pub fn subset(
        &mut self,
        ok: &mut NoPending<'_, '_>,
        group: usize,
        attrs: &[AttributeRequest],
        which: Vec<bool>,
    ) -> JResult<usize> {
        if let Some(i) = self.subsets.iter().position(|(g, w, _)| *g == group && *w == which) {
            return Ok(i);
        }
        let indices: Vec<usize> = (0..attrs.len()).filter(|&i| which[i]).collect();
        let request = Request::new(ok, attrs, &indices)?;
        self.subsets.push((group, which, request));
        Ok(self.subsets.len() - 1)
    }

    /// The request an MBean of `group` is read with: every attribute (`subset` `None`, after
    /// [`Requests::prepare`]) or a subset.
    pub fn get(&self, group: usize, subset: Option<usize>) -> &Request {
        match subset {
            None => &self.all[&group],
            Some(i) => &self.subsets[i].2,
        }
    }
}
