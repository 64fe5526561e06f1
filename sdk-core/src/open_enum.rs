//! Enums that keep values they do not know.
//!
//! A spec lists today's values of a field (a dataview, a timespan type); the
//! server may add one tomorrow. [`open_enum!`](macro@crate::open_enum) defines an
//! enum with the known values plus `Other(String)`, which serializes back to
//! exactly what was received, so a new value is kept instead of failing the
//! whole response.

/// Defines an open enum: known variants with their wire strings, plus
/// `Other(String)`. Implements Display, FromStr (never fails), serde and
/// schemars (a string listing the known values).
///
/// ```
/// docker_data_core::open_enum! {
///     /// A fruit.
///     pub enum Fruit {
///         /// An apple.
///         Apple = "apple",
///     }
/// }
/// assert_eq!("apple".parse::<Fruit>().unwrap(), Fruit::Apple);
/// assert_eq!("kiwi".parse::<Fruit>().unwrap(), Fruit::Other("kiwi".into()));
/// assert_eq!(Fruit::Other("kiwi".into()).to_string(), "kiwi");
/// ```
#[macro_export]
macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $wire:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value this version of the SDK does not know, kept as sent.
            Other(::std::string::String),
        }

        impl $name {
            /// Every value the SDK knows, in the spec's order.
            pub const KNOWN: &'static [$name] = &[$($name::$variant),+];

            /// The value as sent on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $wire, )+
                    $name::Other(other) => other.as_str(),
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = ::std::convert::Infallible;
            fn from_str(value: &str) -> ::std::result::Result<Self, Self::Err> {
                Ok(match value {
                    $( $wire => $name::$variant, )+
                    other => $name::Other(other.to_owned()),
                })
            }
        }

        impl ::std::convert::From<&str> for $name {
            fn from(value: &str) -> Self {
                match value.parse() {
                    Ok(parsed) => parsed,
                    Err(never) => match never {},
                }
            }
        }

        impl $crate::__private::serde::Serialize for $name {
            fn serialize<S: $crate::__private::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__private::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                let value = <::std::string::String as $crate::__private::serde::Deserialize>::deserialize(deserializer)?;
                Ok($name::from(value.as_str()))
            }
        }

        impl $crate::__private::schemars::JsonSchema for $name {
            fn schema_name() -> ::std::string::String {
                stringify!($name).to_owned()
            }

            fn json_schema(_: &mut $crate::__private::schemars::r#gen::SchemaGenerator) -> $crate::__private::schemars::schema::Schema {
                use $crate::__private::schemars::schema::{InstanceType, SchemaObject};
                SchemaObject {
                    instance_type: Some(InstanceType::String.into()),
                    enum_values: Some(vec![$( $wire.into() ),+]),
                    ..Default::default()
                }
                .into()
            }
        }
    };
}
