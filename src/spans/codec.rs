//! Decoding the spans the Java API hands over (its `internal.Encoder`): little-endian, strings as a u32 byte
//! length and UTF-8, counts as u16. Pure Rust, so every field is unit-tested without a JVM; malformed input is
//! an error, never a panic.

#[derive(Clone, Debug, PartialEq)]
pub enum AttrValue {
    Str(String),
    Bool(bool),
    I64(i64),
    F64(f64),
    StrArray(Vec<String>),
    BoolArray(Vec<bool>),
    I64Array(Vec<i64>),
    F64Array(Vec<f64>),
}

pub type Attr = (String, AttrValue);

#[derive(Clone, Debug, PartialEq)]
pub struct JavaEvent {
    pub time_nanos: i64,
    pub name: String,
    /// Attributes the Java side left out (its count limit).
    pub dropped_attributes: u32,
    pub attributes: Vec<Attr>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct JavaLink {
    pub trace_id: u128,
    pub span_id: u64,
    pub flags: u8,
    pub remote: bool,
    /// W3C `tracestate` of the linked context ("" for none).
    pub trace_state: String,
    /// Attributes the Java side left out (past the format's count).
    pub dropped_attributes: u32,
    pub attributes: Vec<Attr>,
}

/// One finished span, exactly as recorded on the Java side.
#[derive(Clone, Debug, PartialEq)]
pub struct JavaSpan {
    pub trace_id: u128,
    pub span_id: u64,
    /// 0 when the span is a root.
    pub parent_span_id: u64,
    pub parent_remote: bool,
    pub flags: u8,
    pub start_nanos: i64,
    pub end_nanos: i64,
    /// `SpanKind` ordinal: INTERNAL, SERVER, CLIENT, PRODUCER, CONSUMER.
    pub kind: u8,
    /// `StatusCode` ordinal: UNSET, OK, ERROR.
    pub status: u8,
    pub tracer_name: String,
    pub tracer_version: String,
    pub name: String,
    pub status_message: String,
    /// W3C `tracestate` the span carries from its parent ("" for none).
    pub trace_state: String,
    pub dropped_attributes: u32,
    pub dropped_events: u32,
    pub dropped_links: u32,
    pub attributes: Vec<Attr>,
    pub events: Vec<JavaEvent>,
    pub links: Vec<JavaLink>,
}

/// The format the Java API writes. Version 2 added the span's and each link's tracestate and the attributes
/// each event and link dropped; version 1 (an older copy of the API bundled in a plugin) is still read.
pub const VERSION: u8 = 2;

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self
            .at
            .checked_add(n)
            .filter(|e| *e <= self.bytes.len())
            .ok_or_else(|| format!("truncated at byte {}", self.at))?;
        let s = &self.bytes[self.at..end];
        self.at = end;
        Ok(s)
    }
    fn u8(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> Result<u16, String> {
        Ok(u16::from_le_bytes(self.take(2)?.try_into().map_err(|_| "u16")?))
    }
    fn u32(&mut self) -> Result<u32, String> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into().map_err(|_| "u32")?))
    }
    fn i64(&mut self) -> Result<i64, String> {
        Ok(i64::from_le_bytes(self.take(8)?.try_into().map_err(|_| "i64")?))
    }
    fn u64(&mut self) -> Result<u64, String> {
        Ok(self.i64()? as u64)
    }
    fn f64(&mut self) -> Result<f64, String> {
        Ok(f64::from_bits(self.u64()?))
    }
    fn trace_id(&mut self) -> Result<u128, String> {
        let hi = self.u64()? as u128;
        let lo = self.u64()? as u128;
        Ok((hi << 64) | lo)
    }
    fn str(&mut self) -> Result<String, String> {
        let n = self.u32()? as usize;
        Ok(String::from_utf8_lossy(self.take(n)?).into_owned())
    }
    fn value(&mut self) -> Result<AttrValue, String> {
        Ok(match self.u8()? {
            0 => AttrValue::Str(self.str()?),
            1 => AttrValue::Bool(self.u8()? != 0),
            2 => AttrValue::I64(self.i64()?),
            3 => AttrValue::F64(self.f64()?),
            4 => AttrValue::StrArray((0..self.u16()?).map(|_| self.str()).collect::<Result<_, _>>()?),
            5 => AttrValue::BoolArray(
                (0..self.u16()?)
                    .map(|_| self.u8().map(|b| b != 0))
                    .collect::<Result<_, _>>()?,
            ),
            6 => AttrValue::I64Array((0..self.u16()?).map(|_| self.i64()).collect::<Result<_, _>>()?),
            7 => AttrValue::F64Array((0..self.u16()?).map(|_| self.f64()).collect::<Result<_, _>>()?),
            t => return Err(format!("unknown attribute type {t}")),
        })
    }
    fn attributes(&mut self) -> Result<Vec<Attr>, String> {
        (0..self.u16()?).map(|_| Ok((self.str()?, self.value()?))).collect()
    }
}

pub fn decode(bytes: &[u8]) -> Result<JavaSpan, String> {
    let mut r = Reader { bytes, at: 0 };
    let version = r.u8()?;
    if !(1..=VERSION).contains(&version) {
        return Err(format!("span format version {version}, expected 1 to {VERSION}"));
    }
    let v2 = version >= 2;
    let trace_id = r.trace_id()?;
    let span_id = r.u64()?;
    let parent_span_id = r.u64()?;
    let parent_remote = r.u8()? != 0;
    let flags = r.u8()?;
    let start_nanos = r.i64()?;
    let end_nanos = r.i64()?;
    let kind = r.u8()?;
    let status = r.u8()?;
    let tracer_name = r.str()?;
    let tracer_version = r.str()?;
    let name = r.str()?;
    let status_message = r.str()?;
    let trace_state = if v2 { r.str()? } else { String::new() };
    let dropped_attributes = r.u32()?;
    let dropped_events = r.u32()?;
    let dropped_links = r.u32()?;
    let attributes = r.attributes()?;
    let events = (0..r.u16()?)
        .map(|_| {
            Ok(JavaEvent {
                time_nanos: r.i64()?,
                name: r.str()?,
                dropped_attributes: if v2 { r.u32()? } else { 0 },
                attributes: r.attributes()?,
            })
        })
        .collect::<Result<_, String>>()?;
    let links = (0..r.u16()?)
        .map(|_| {
            Ok(JavaLink {
                trace_id: r.trace_id()?,
                span_id: r.u64()?,
                flags: r.u8()?,
                remote: r.u8()? != 0,
                trace_state: if v2 { r.str()? } else { String::new() },
                dropped_attributes: if v2 { r.u32()? } else { 0 },
                attributes: r.attributes()?,
            })
        })
        .collect::<Result<_, String>>()?;
    if r.at != bytes.len() {
        return Err(format!("{} trailing bytes", bytes.len() - r.at));
    }
    if trace_id == 0 || span_id == 0 {
        return Err("invalid (all-zero) trace or span id".into());
    }
    Ok(JavaSpan {
        trace_id,
        span_id,
        parent_span_id,
        parent_remote,
        flags,
        start_nanos,
        end_nanos,
        kind,
        status,
        tracer_name,
        tracer_version,
        name,
        status_message,
        trace_state,
        dropped_attributes,
        dropped_events,
        dropped_links,
        attributes,
        events,
        links,
    })
}

/// The encoder, mirroring the Java one, for tests.
#[cfg(test)]
pub mod encode {
    use super::{AttrValue, JavaSpan};

    fn str(out: &mut Vec<u8>, s: &str) {
        out.extend((s.len() as u32).to_le_bytes());
        out.extend(s.as_bytes());
    }

    /// Writes the count of a list and returns the items to write: at most `u16::MAX`, as the Java encoder
    /// does, so a longer list is cut instead of its count wrapping (which would misframe the whole span).
    fn counted<'a, T>(out: &mut Vec<u8>, items: &'a [T]) -> &'a [T] {
        let items = &items[..items.len().min(usize::from(u16::MAX))];
        out.extend((items.len() as u16).to_le_bytes());
        items
    }

    fn attrs(out: &mut Vec<u8>, attrs: &[(String, AttrValue)]) {
        for (k, v) in counted(out, attrs) {
            str(out, k);
            match v {
                AttrValue::Str(s) => {
                    out.push(0);
                    str(out, s)
                }
                AttrValue::Bool(b) => out.extend([1, *b as u8]),
                AttrValue::I64(i) => {
                    out.push(2);
                    out.extend(i.to_le_bytes())
                }
                AttrValue::F64(f) => {
                    out.push(3);
                    out.extend(f.to_bits().to_le_bytes())
                }
                AttrValue::StrArray(a) => {
                    out.push(4);
                    counted(out, a).iter().for_each(|s| str(out, s));
                }
                AttrValue::BoolArray(a) => {
                    out.push(5);
                    let a = counted(out, a);
                    out.extend(a.iter().map(|b| *b as u8));
                }
                AttrValue::I64Array(a) => {
                    out.push(6);
                    counted(out, a).iter().for_each(|i| out.extend(i.to_le_bytes()));
                }
                AttrValue::F64Array(a) => {
                    out.push(7);
                    counted(out, a)
                        .iter()
                        .for_each(|f| out.extend(f.to_bits().to_le_bytes()));
                }
            }
        }
    }

    pub fn encode(s: &JavaSpan) -> Vec<u8> {
        let mut out = vec![super::VERSION];
        out.extend(((s.trace_id >> 64) as u64).to_le_bytes());
        out.extend((s.trace_id as u64).to_le_bytes());
        out.extend(s.span_id.to_le_bytes());
        out.extend(s.parent_span_id.to_le_bytes());
        out.extend([s.parent_remote as u8, s.flags]);
        out.extend(s.start_nanos.to_le_bytes());
        out.extend(s.end_nanos.to_le_bytes());
        out.extend([s.kind, s.status]);
        for t in [
            &s.tracer_name,
            &s.tracer_version,
            &s.name,
            &s.status_message,
            &s.trace_state,
        ] {
            str(&mut out, t);
        }
        for n in [s.dropped_attributes, s.dropped_events, s.dropped_links] {
            out.extend(n.to_le_bytes());
        }
        attrs(&mut out, &s.attributes);
        for e in counted(&mut out, &s.events) {
            out.extend(e.time_nanos.to_le_bytes());
            str(&mut out, &e.name);
            out.extend(e.dropped_attributes.to_le_bytes());
            attrs(&mut out, &e.attributes);
        }
        for l in counted(&mut out, &s.links) {
            out.extend(((l.trace_id >> 64) as u64).to_le_bytes());
            out.extend((l.trace_id as u64).to_le_bytes());
            out.extend(l.span_id.to_le_bytes());
            out.extend([l.flags, l.remote as u8]);
            str(&mut out, &l.trace_state);
            out.extend(l.dropped_attributes.to_le_bytes());
            attrs(&mut out, &l.attributes);
        }
        out
    }
}

/// A span with every kind of field set, for tests here and in the span sink.
#[cfg(test)]
pub(crate) fn sample() -> JavaSpan {
    JavaSpan {
        trace_id: 0x4bf92f3577b34da6a3ce929d0e0e4736,
        span_id: 0x00f067aa0ba902b7,
        parent_span_id: 0x1111,
        parent_remote: true,
        flags: 1,
        start_nanos: 1_700_000_000_000_000_000,
        end_nanos: 1_700_000_000_250_000_000,
        kind: 4,
        status: 2,
        tracer_name: "custom-sink-connector".into(),
        tracer_version: "1.0".into(),
        name: "sink.put_batch".into(),
        status_message: "boom ✓".into(),
        trace_state: "vendor=a1".into(),
        dropped_attributes: 1,
        dropped_events: 2,
        dropped_links: 0,
        attributes: vec![
            ("kafka.connect.batch.size".into(), AttrValue::I64(3)),
            ("s".into(), AttrValue::Str("x".into())),
            ("b".into(), AttrValue::Bool(true)),
            ("d".into(), AttrValue::F64(0.5)),
            ("sa".into(), AttrValue::StrArray(vec!["a".into(), "".into()])),
            ("ba".into(), AttrValue::BoolArray(vec![true, false])),
            ("ia".into(), AttrValue::I64Array(vec![-1, 2])),
            ("fa".into(), AttrValue::F64Array(vec![1.5])),
        ],
        events: vec![JavaEvent {
            time_nanos: 1_700_000_000_100_000_000,
            name: "exception".into(),
            dropped_attributes: 3,
            attributes: vec![("exception.type".into(), AttrValue::Str("java.io.IOException".into()))],
        }],
        links: vec![JavaLink {
            trace_id: 7,
            span_id: 8,
            flags: 1,
            remote: true,
            trace_state: "linked=c3".into(),
            dropped_attributes: 4,
            attributes: vec![],
        }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let s = sample();
        assert_eq!(decode(&encode::encode(&s)).unwrap(), s);
    }

    /// The test encoder cuts a list past the u16 count, as the Java one does, instead of wrapping the count
    /// (70,000 would be written as 4,464 and the rest read as trailing bytes).
    #[test]
    fn the_encoder_cuts_lists_at_the_u16_count() {
        let many = 70_000;
        let mut s = sample();
        s.attributes = (0..many).map(|i| (format!("k{i}"), AttrValue::I64(i))).collect();
        s.attributes
            .push(("a".into(), AttrValue::I64Array(vec![1; many as usize])));
        s.events = vec![s.events[0].clone(); many as usize];
        s.links = vec![s.links[0].clone(); many as usize];
        let d = decode(&encode::encode(&s)).unwrap();
        assert_eq!(d.attributes.len(), 65_535);
        assert_eq!(d.attributes[..], s.attributes[..65_535]);
        assert_eq!(d.events.len(), 65_535);
        assert_eq!(d.links.len(), 65_535);
        let mut one = sample();
        one.attributes = vec![("a".into(), AttrValue::StrArray(vec!["x".into(); many as usize]))];
        let d = decode(&encode::encode(&one)).unwrap();
        assert_eq!(d.attributes[0].1, AttrValue::StrArray(vec!["x".into(); 65_535]));
    }

    #[test]
    fn malformed_input_is_an_error_not_a_panic() {
        let bytes = encode::encode(&sample());
        for cut in 0..bytes.len() {
            assert!(decode(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        let mut extra = bytes.clone();
        extra.push(0);
        assert!(decode(&extra).unwrap_err().contains("trailing"));
        let mut wrong = bytes.clone();
        wrong[0] = 3;
        assert!(decode(&wrong).unwrap_err().contains("version"));
        let mut zero = sample();
        zero.span_id = 0;
        assert!(decode(&encode::encode(&zero)).is_err());
        // A huge declared length does not allocate or panic.
        let mut huge = vec![VERSION];
        huge.extend([1u8; 8 * 5 + 2 + 16 + 2]);
        huge.extend(u32::MAX.to_le_bytes());
        assert!(decode(&huge).is_err());
    }

    fn from_hex(lines: &[&str]) -> Vec<u8> {
        let hex: String = lines.concat();
        (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect()
    }

    /// Bytes written by the Java API's encoder of format 1 (`Span.Recording.encode`: flat attributes, ASCII
    /// written directly, anything else as UTF-8, a key set twice keeping its place) for a span with every
    /// kind of field, as the assertions below describe it: what an older copy of the API in a plugin writes.
    const FROM_JAVA: &[&str] = &[
        "01a64db377352ff94b36470e0e9d92cea3b702a90baa67f0001111000000000000010100002a36fe9c971780b21045fe",
        "9c9717040215000000637573746f6d2d73696e6b2d636f6e6e6563746f7203000000312e300e00000073696e6b2e7075",
        "745f626174636808000000626f6f6d20e29c9300000000000000000000000009000b0000006b61666b612e746f706963",
        "00060000006f72646572730c0000006b61666b612e6f66667365740207000000000000000d00000077726974652e7375",
        "63636573730101010000006403000000000000e03f04000000636cc3a90009000000636166c3a920e29c930200000073",
        "6104030001000000610000000002000000c3a90200000062610502000100020000006961060200ffffffffffffffff02",
        "00000000000000020000006661070100000000000000f83f0100e8f2c0af15e5eb1809000000657863657074696f6e01",
        "000e000000657863657074696f6e2e7479706500130000006a6176612e696f2e494f457863657074696f6e0100000000",
        "00000000000700000000000000080000000000000001010100010000006e020100000000000000",
    ];

    #[test]
    fn what_the_java_encoder_writes_decodes() {
        let s = decode(&from_hex(FROM_JAVA)).unwrap();
        let event_time = s.events[0].time_nanos; // the event's clock reading
        assert!(event_time > 1_600_000_000_000_000_000);
        let str = |v: &str| AttrValue::Str(v.into());
        assert_eq!(
            s,
            JavaSpan {
                trace_id: 0x4bf92f3577b34da6a3ce929d0e0e4736,
                span_id: 0x00f067aa0ba902b7,
                parent_span_id: 0x1111,
                parent_remote: true,
                flags: 1,
                start_nanos: 1_700_000_000_000_000_000,
                end_nanos: 1_700_000_000_250_000_000,
                kind: 4,
                status: 2,
                tracer_name: "custom-sink-connector".into(),
                tracer_version: "1.0".into(),
                name: "sink.put_batch".into(),
                status_message: "boom ✓".into(),
                trace_state: String::new(),
                dropped_attributes: 0,
                dropped_events: 0,
                dropped_links: 0,
                attributes: vec![
                    ("kafka.topic".into(), str("orders")),
                    ("kafka.offset".into(), AttrValue::I64(7)),
                    ("write.success".into(), AttrValue::Bool(true)),
                    ("d".into(), AttrValue::F64(0.5)),
                    ("clé".into(), str("café ✓")),
                    (
                        "sa".into(),
                        AttrValue::StrArray(vec!["a".into(), "".into(), "é".into()])
                    ),
                    ("ba".into(), AttrValue::BoolArray(vec![true, false])),
                    ("ia".into(), AttrValue::I64Array(vec![-1, 2])),
                    ("fa".into(), AttrValue::F64Array(vec![1.5])),
                ],
                events: vec![JavaEvent {
                    time_nanos: event_time,
                    name: "exception".into(),
                    dropped_attributes: 0,
                    attributes: vec![("exception.type".into(), str("java.io.IOException"))],
                }],
                links: vec![JavaLink {
                    trace_id: 7,
                    span_id: 8,
                    flags: 1,
                    remote: true,
                    trace_state: String::new(),
                    dropped_attributes: 0,
                    attributes: vec![("n".into(), AttrValue::I64(1))],
                }],
            }
        );
    }

    /// Bytes written by the Java API's encoder of format 2 for a span with a tracestate, a linked context with
    /// its own, and an event whose third attribute the attribute limit (2) dropped. Regenerate them the same
    /// way when the format changes (a `Span.Recording` built with fixed ids and times, encoded).
    const FROM_JAVA_V2: &[&str] = &[
        "02a64db377352ff94b36470e0e9d92cea3b702a90baa67f0001111000000000000010100002a36fe9c971780b21045fe",
        "9c9717040215000000637573746f6d2d73696e6b2d636f6e6e6563746f7203000000312e300e00000073696e6b2e7075",
        "745f626174636808000000626f6f6d20e29c931200000076656e646f723d61312c6f746865723d623200000000000000",
        "000000000001000b0000006b61666b612e746f70696300060000006f72646572730100ef87db1bffbeed180900000065",
        "7863657074696f6e0100000002000e000000657863657074696f6e2e7479706500130000006a6176612e696f2e494f45",
        "7863657074696f6e01000000780201000000000000000100000000000000000007000000000000000800000000000000",
        "0101090000006c696e6b65643d6333000000000100010000006e020100000000000000",
    ];

    #[test]
    fn what_the_java_encoder_of_format_2_writes_decodes() {
        let s = decode(&from_hex(FROM_JAVA_V2)).unwrap();
        assert_eq!(
            (s.name.as_str(), s.trace_state.as_str()),
            ("sink.put_batch", "vendor=a1,other=b2")
        );
        assert_eq!(
            s.attributes,
            vec![("kafka.topic".into(), AttrValue::Str("orders".into()))]
        );
        let event = &s.events[0];
        assert_eq!((event.name.as_str(), event.dropped_attributes), ("exception", 1));
        assert_eq!(
            event.attributes,
            vec![
                ("exception.type".into(), AttrValue::Str("java.io.IOException".into())),
                ("x".into(), AttrValue::I64(1)),
            ]
        );
        let link = &s.links[0];
        assert_eq!((link.trace_id, link.span_id, link.remote), (7, 8, true));
        assert_eq!((link.trace_state.as_str(), link.dropped_attributes), ("linked=c3", 0));
        assert_eq!(link.attributes, vec![("n".into(), AttrValue::I64(1))]);
        assert_eq!((s.status, s.status_message.as_str()), (2, "boom ✓"));
    }
}
