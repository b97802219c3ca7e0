//! Protobuf wire-format primitives for the OTLP messages we write by hand (`KeyValue`, `AnyValue`, field
//! headers), shared by the series model (each MBean's attributes encoded once) and the request encoder.

use opentelemetry::{KeyValue, Value};

// Protobuf wire types.
pub const VARINT: u32 = 0;
pub const FIXED64: u32 = 1;
pub const LEN: u32 = 2;

/// `attributes` as `NumberDataPoint.attributes` fields, ready to be copied into every point that carries them.
pub fn point_attributes(attributes: &[KeyValue]) -> Vec<u8> {
    let len = attributes.iter().map(|kv| len_field(7, key_value_len(kv))).sum();
    let mut out = Vec::with_capacity(len);
    for kv in attributes {
        put_point_attribute(&mut out, kv);
    }
    debug_assert_eq!(out.len(), len);
    out
}

pub fn put_point_attribute(out: &mut Vec<u8>, kv: &KeyValue) {
    let value_len = any_value_len(&kv.value);
    put_len_header(out, 7, str_field(1, kv.key.as_str()) + len_field(2, value_len));
    put_key_value(out, kv, value_len);
}

// KeyValue: key 1, value 2 (AnyValue: string_value 1, bool_value 2, int_value 3, double_value 4).
pub fn key_value_len(kv: &KeyValue) -> usize {
    str_field(1, kv.key.as_str()) + len_field(2, any_value_len(&kv.value))
}

pub fn any_value_len(v: &Value) -> usize {
    match v {
        Value::Bool(_) => 2,
        Value::I64(i) => 1 + varint_len(*i as u64),
        Value::F64(_) => 9,
        Value::String(s) => len_field(1, s.as_str().len()),
        other => len_field(1, other.as_str().len()),
    }
}

pub fn put_key_value(out: &mut Vec<u8>, kv: &KeyValue, value_len: usize) {
    put_str(out, 1, kv.key.as_str());
    put_len_header(out, 2, value_len);
    match &kv.value {
        Value::Bool(b) => {
            put_tag(out, 2, VARINT);
            out.push(*b as u8);
        }
        Value::I64(i) => {
            put_tag(out, 3, VARINT);
            put_varint(out, *i as u64);
        }
        Value::F64(f) => {
            put_tag(out, 4, FIXED64);
            out.extend_from_slice(&f.to_le_bytes());
        }
        Value::String(s) => {
            put_len_header(out, 1, s.as_str().len());
            out.extend_from_slice(s.as_str().as_bytes());
        }
        other => {
            let s = other.as_str();
            put_len_header(out, 1, s.len());
            out.extend_from_slice(s.as_bytes());
        }
    }
}

pub fn varint_len(v: u64) -> usize {
    // Almost every length here is below 128.
    if v < 1 << 7 {
        1
    } else if v < 1 << 14 {
        2
    } else {
        (64 - v.leading_zeros() as usize).div_ceil(7)
    }
}

/// Every field number here is below 16, so every tag is one byte.
pub fn len_field(_field: u32, len: usize) -> usize {
    1 + varint_len(len as u64) + len
}

/// Empty strings are proto3 defaults and left out.
pub fn str_field(field: u32, s: &str) -> usize {
    if s.is_empty() {
        0
    } else {
        len_field(field, s.len())
    }
}

pub fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

pub fn put_tag(out: &mut Vec<u8>, field: u32, wire: u32) {
    out.push(((field << 3) | wire) as u8);
}

pub fn put_len_header(out: &mut Vec<u8>, field: u32, len: usize) {
    put_tag(out, field, LEN);
    put_varint(out, len as u64);
}

pub fn put_str(out: &mut Vec<u8>, field: u32, s: &str) {
    if !s.is_empty() {
        put_len_header(out, field, s.len());
        out.extend_from_slice(s.as_bytes());
    }
}
