//! Plain JS objects for the page: what a call returns is one object the worker can post as
//! it is, typed arrays kept typed (their buffers are transferred, not copied).

use js_sys::{Array, Float32Array, Object, Reflect, Uint8Array};
use serde::Serialize;
use wasm_bindgen::prelude::*;

/// An object built field by field.
pub struct Fields(Object);

impl Fields {
    pub fn new() -> Self {
        Fields(Object::new())
    }

    pub fn set(self, key: &str, value: impl Into<JsValue>) -> Self {
        Reflect::set(&self.0, &key.into(), &value.into())
            .expect("a fresh plain object takes any field");
        self
    }

    pub fn bytes(self, key: &str, bytes: &[u8]) -> Self {
        self.set(key, Uint8Array::from(bytes))
    }

    pub fn numbers(self, key: &str, values: &[f64]) -> Self {
        let array: Array = values.iter().map(|&v| JsValue::from_f64(v)).collect();
        self.set(key, array)
    }

    pub fn strings(self, key: &str, values: &[String]) -> Self {
        let array: Array = values.iter().map(|v| JsValue::from_str(v)).collect();
        self.set(key, array)
    }

    /// An array of Float32Arrays.
    pub fn float_arrays<'a>(self, key: &str, arrays: impl IntoIterator<Item = &'a [f32]>) -> Self {
        let array: Array = arrays
            .into_iter()
            .map(|values| JsValue::from(Float32Array::from(values)))
            .collect();
        self.set(key, array)
    }

    /// A serialisable value as a plain object (null for None).
    pub fn value<T: Serialize>(self, key: &str, value: &T) -> Result<Self, JsError> {
        let value = plain(value)?;
        Ok(self.set(key, value))
    }

    pub fn build(self) -> JsValue {
        self.0.into()
    }
}

/// A serialisable value as a plain object (through JSON: plain data only).
pub fn plain<T: Serialize>(value: &T) -> Result<JsValue, JsError> {
    let json = serde_json::to_string(value)?;
    js_sys::JSON::parse(&json).map_err(|e| JsError::new(&format!("{e:?}")))
}
