//! The collection types behind [`Value`](crate::value::Value): each in its own module with
//! its encodings (a packed one for small values and a hash table or ordered structure for
//! large ones, converted at Redis's thresholds) and its unit tests.

pub mod hash;
pub mod list;
pub mod set;
pub mod zset;
