//! The MBeanServer's registration notifications, as the Java side (`Registrations.java`) counted them between
//! two collections: which MBeans were registered (so the reader asks them afresh what they declare) and how
//! often each was started rather than re-registered (so a task restarted between two collections is counted).
//!
//! One call per collection, not per MBean: plain checked JNI calls through jni-rs suffice.

use jni::errors::Result as JResult;
use jni::objects::{JClass, JObjectArray, JString};
use jni::refs::Global;
use jni::{jni_sig, jni_str};

use super::raw::NoPending;
use crate::collect::objectname::ObjectName;
use crate::collect::snapshot::Start;

/// What one drain found.
#[derive(Default)]
pub struct Drained {
    /// The listener left names out (or lost a notification): every MBean may have changed.
    pub overflow: bool,
    /// Canonical names of the MBeans registered since the last drain.
    pub registered: Vec<String>,
    /// Of those, the ones started (not only re-registered), with how often.
    pub starts: Vec<Start>,
}

/// The listener, installed.
pub struct Registrations {
    class: Global<JClass<'static>>,
}

impl Registrations {
    /// Installs the listener for the MBeans of `domains` ("*": all). `Ok(None)`: the listener could not be
    /// installed (the server refused it).
    pub fn install(ok: &mut NoPending<'_, '_>, domains: &[String]) -> JResult<Option<Registrations>> {
        ok.java(|env| {
            // Our own class, from the system class loader the agent jar is on (the thread context loader here).
            let class = env.load_class(jni_str!("io.connectotel.agent.internal.Registrations"))?;
            let empty = JString::null();
            let array = JObjectArray::<JString>::new(env, domains.len(), &empty)?;
            for (i, d) in domains.iter().enumerate() {
                let s = env.new_string(d)?;
                array.set_element(env, i, &s)?;
                env.delete_local_ref(s);
            }
            let installed = env
                .call_static_method(
                    &class,
                    jni_str!("install"),
                    jni_sig!("([Ljava/lang/String;)Z"),
                    &[(&array).into()],
                )?
                .z()?;
            if !installed {
                return Ok(None);
            }
            Ok(Some(Registrations {
                class: env.new_global_ref(&class)?,
            }))
        })
    }

    /// What was registered since the last call.
    pub fn drain(&self, ok: &mut NoPending<'_, '_>) -> JResult<Drained> {
        let lines = ok.java(|env| {
            let array = env
                .call_static_method(&self.class, jni_str!("drain"), jni_sig!("()[Ljava/lang/String;"), &[])?
                .l()?;
            if array.is_null() {
                return Ok(None);
            }
            let array = env.cast_local::<JObjectArray<JString>>(array)?;
            let n = array.len(env)?;
            let mut lines = Vec::with_capacity(n);
            for i in 0..n {
                let s = array.get_element(env, i)?;
                if !s.is_null() {
                    lines.push(s.try_to_string(env)?);
                }
                env.delete_local_ref(s);
            }
            Ok(Some(lines))
        })?;
        Ok(match lines {
            Some(lines) => parse(lines),
            // Uninstalled under us: say so as an overflow, so every MBean is asked afresh.
            None => Drained {
                overflow: true,
                ..Drained::default()
            },
        })
    }

    /// Stops the listener (the collector stops).
    pub fn uninstall(&self, ok: &mut NoPending<'_, '_>) {
        let _ = ok.java(|env| {
            env.call_static_method(&self.class, jni_str!("uninstall"), jni_sig!("()V"), &[])
                .map(|_| ())
        });
    }
}

/// `drain()`'s lines: a header ("overflow" or ""), then `<starts> <last start, Unix ms> <canonical name>`.
fn parse(lines: Vec<String>) -> Drained {
    let mut d = Drained::default();
    let mut lines = lines.into_iter();
    d.overflow = lines.next().is_some_and(|h| h == "overflow");
    for line in lines {
        let mut parts = line.splitn(3, ' ');
        let (Some(starts), Some(last), Some(name)) = (parts.next(), parts.next(), parts.next()) else {
            d.overflow = true;
            continue;
        };
        let (Ok(starts), Ok(last)) = (starts.parse::<u32>(), last.parse::<i64>()) else {
            d.overflow = true;
            continue;
        };
        if starts > 0 {
            if let Some(parsed) = ObjectName::parse(name) {
                d.starts.push(Start {
                    name: parsed,
                    count: starts,
                    last_unix_ms: last,
                });
            }
        }
        d.registered.push(name.to_string());
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_become_registrations_and_starts() {
        let d = parse(vec![
            String::new(),
            "0 0 kafka.connect:connector=a,task=0,type=connector-task-metrics".into(),
            "3 1700000000123 kafka.connect:connector=b,task=1,type=connector-task-metrics".into(),
        ]);
        assert!(!d.overflow);
        assert_eq!(d.registered.len(), 2);
        assert_eq!(d.starts.len(), 1);
        assert_eq!(d.starts[0].count, 3);
        assert_eq!(d.starts[0].last_unix_ms, 1_700_000_000_123);
        assert_eq!(d.starts[0].name.get("connector"), Some("b"));
    }

    #[test]
    fn a_bad_line_or_the_header_means_ask_everything_again() {
        assert!(parse(vec!["overflow".into()]).overflow);
        assert!(parse(vec![String::new(), "x y".into()]).overflow);
        assert!(parse(vec![String::new(), "x 1 kafka.connect:type=a".into()]).overflow);
    }
}
