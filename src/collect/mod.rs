//! What to read and what was read, without the JVM: the metric set as data ([`rules`]), ObjectName parsing
//! and patterns ([`objectname`]), the read plan derived from both ([`plan`]) and the snapshot one collection
//! fills ([`snapshot`]). The JNI reader (`crate::jni`) fills it; everything after reads only this.

pub mod objectname;
pub mod plan;
pub mod rules;
pub mod snapshot;
