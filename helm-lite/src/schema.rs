//! `values.schema.json`, checked as Helm checks it before rendering: each chart's schema
//! against its coalesced values, subcharts against theirs, and the failures worded as
//! Helm prints them (the messages of `santhosh-tekuri/jsonschema/v6`, which Helm uses:
//! `- at '/replicas': got string, want integer`).
//!
//! Validation is [`boon`]'s (the same author's Rust validator: drafts 4 to 2020-12). No
//! schema is fetched: a `$ref` to another document than the chart's own is refused.

use boon::{Compiler, ErrorKind, Schemas, ValidationError};

use crate::value::{Map, Value};
use crate::{Chart, Error};

/// The schema's location as Helm names it; its failures are reported under it.
const LOCATION: &str = "file:///values.schema.json";

/// Refuses every load: a pure core fetches nothing.
struct NoLoader;

impl boon::UrlLoader for NoLoader {
    fn load(&self, url: &str) -> Result<serde_json::Value, Box<dyn std::error::Error>> {
        Err(format!("{url}: helm-lite loads no schema from outside the chart").into())
    }
}

/// Helm's `ValidateAgainstSchema`: the failures of `chart` and its subcharts, each chart's
/// block `NAME:\n- at '...': ...\n`, or `None` when every schema holds.
pub(crate) fn check(chart: &Chart, values: &Map) -> Result<Option<String>, Error> {
    let mut out = String::new();
    if let Some(schema) = &chart.schema {
        // A schema that does not compile is reported in the chart's block too, as Helm does.
        let msg = check_one(schema, values).unwrap_or_else(Some);
        if let Some(msg) = msg {
            out.push_str(&format!("{}:\n{msg}", chart.name()));
        }
    }
    for dep in &chart.dependencies {
        match values.get(&dep.name()) {
            None | Some(Value::Nil) => {}
            Some(Value::Map(m)) => {
                if let Some(msg) = check(dep, &m.to_map())? {
                    out.push_str(&msg);
                }
            }
            Some(other) => out.push_str(&format!(
                "{}:\ninvalid type for values: expected object (map), got {}\n",
                dep.name(),
                other.type_name()
            )),
        }
    }
    Ok((!out.is_empty()).then_some(out))
}

/// One schema against one chart's values: `Ok(Some(the failures))`, or an error when the
/// schema itself does not compile.
fn check_one(schema: &[u8], values: &Map) -> Result<Option<String>, String> {
    let doc: serde_json::Value = serde_json::from_slice(schema).map_err(|e| e.to_string())?;
    let instance: serde_json::Value =
        serde_json::from_str(&crate::yaml::to_json(&Value::map(values.clone())))
            .map_err(|e| e.to_string())?;
    let mut compiler = Compiler::new();
    compiler.use_loader(Box::new(NoLoader));
    compiler
        .add_resource(LOCATION, doc)
        .map_err(|e| e.to_string())?;
    let mut schemas = Schemas::new();
    let index = compiler.compile(LOCATION, &mut schemas).map_err(|e| {
        // The causes too: `error loading URL: helm-lite loads no schema from outside ...`.
        let mut msg = e.to_string();
        let mut cause = std::error::Error::source(&e);
        while let Some(c) = cause {
            let text = c.to_string();
            if !msg.contains(&text) {
                msg.push_str(": ");
                msg.push_str(&text);
            }
            cause = c.source();
        }
        msg
    })?;
    match schemas.validate(&instance, index) {
        Ok(()) => Ok(None),
        Err(e) => {
            let mut s = String::new();
            display(&mut s, &e, 0);
            // Helm drops the first line, `jsonschema validation failed with '...#'`.
            let body = match s.split_once('\n') {
                Some((_, rest)) => rest.to_string(),
                None => String::new(),
            };
            Ok(Some(format!("{body}\n")))
        }
    }
}

/// `ValidationError.display` of jsonschema/v6: one line per failure, causes indented.
fn display(out: &mut String, e: &ValidationError<'_, '_>, mut indent: usize) {
    let skip = e.causes.len() == 1 && matches!(e.kind, ErrorKind::Reference { .. });
    if !skip {
        if indent > 0 {
            out.push('\n');
            for _ in 0..indent - 1 {
                out.push_str("  ");
            }
            out.push_str("- ");
        }
        indent += 1;
        if let ErrorKind::Schema { url } = &e.kind {
            out.push_str(&format!("jsonschema validation failed with {}", quote(url)));
        } else {
            out.push_str(&format!(
                "at {}: {}",
                quote(&e.instance_location.to_string()),
                message(&e.kind)
            ));
        }
    }
    for c in &e.causes {
        display(out, c, indent);
    }
}

/// Go's `%q` between single quotes, as jsonschema/v6 quotes.
fn quote(s: &str) -> String {
    let q = crate::fmt::go_quote(s)
        .replace("\\\"", "\"")
        .replace('\'', "\\'");
    let inner = q
        .strip_prefix('"')
        .and_then(|q| q.strip_suffix('"'))
        .unwrap_or(&q);
    format!("'{inner}'")
}

fn join_quoted<S: AsRef<str>>(items: &[S]) -> String {
    items
        .iter()
        .map(|s| quote(s.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A primitive as jsonschema/v6 shows it (`fmt`'s `%v` of a `json.Number`).
fn show(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => quote(s),
        serde_json::Value::Array(_) | serde_json::Value::Object(_) => "value".into(),
        serde_json::Value::Null => "<nil>".into(),
        other => other.to_string(),
    }
}

fn primitive(v: &serde_json::Value) -> bool {
    !matches!(
        v,
        serde_json::Value::Array(_) | serde_json::Value::Object(_)
    )
}

/// A number as the English `message.Printer` prints a `float64` with `%v` (`5,000`).
fn number(n: &serde_json::Number) -> String {
    let f = n.as_f64().unwrap_or(0.0);
    if !f.is_finite() || f.abs() >= 1e21 || (f != 0.0 && f.abs() < 1e-4) {
        return crate::value::format_float_v(f);
    }
    let text = format!("{f}");
    let (sign, digits) = match text.strip_prefix('-') {
        Some(d) => ("-", d),
        None => ("", text.as_str()),
    };
    let (int, frac) = match digits.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (digits, None),
    };
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    match frac {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}

/// jsonschema/v6's wording of each kind of failure.
fn message(k: &ErrorKind<'_, '_>) -> String {
    match k {
        ErrorKind::Group | ErrorKind::Reference { .. } => "validation failed".into(),
        ErrorKind::Schema { url } => format!("jsonschema validation failed with {}", quote(url)),
        ErrorKind::ContentSchema => "'contentSchema' failed".into(),
        ErrorKind::PropertyName { prop } => format!("invalid propertyName {}", quote(prop)),
        ErrorKind::RefCycle {
            url,
            kw_loc1,
            kw_loc2,
        } => format!(
            "both {kw_loc1} and {kw_loc2} resolve to {} causing reference cycle",
            crate::fmt::go_quote(url)
        ),
        ErrorKind::FalseSchema => "false schema".into(),
        ErrorKind::Type { got, want } => {
            let want: Vec<String> = want.iter().map(|t| t.to_string()).collect();
            format!("got {got}, want {}", want.join(" or "))
        }
        ErrorKind::Enum { want } => {
            if want.iter().all(primitive) {
                match want.as_slice() {
                    [one] => format!("value must be {}", show(one)),
                    all => format!(
                        "value must be one of {}",
                        all.iter().map(show).collect::<Vec<_>>().join(", ")
                    ),
                }
            } else {
                "'enum' failed".into()
            }
        }
        ErrorKind::Const { want } => {
            if primitive(want) {
                format!("value must be {}", show(want))
            } else {
                "'const' failed".into()
            }
        }
        ErrorKind::Format { got, want, err } => {
            format!("{} is not valid {want}: {err}", show(got))
        }
        ErrorKind::MinProperties { got, want } => format!("minProperties: got {got}, want {want}"),
        ErrorKind::MaxProperties { got, want } => format!("maxProperties: got {got}, want {want}"),
        ErrorKind::AdditionalProperties { got } => {
            format!("additional properties {} not allowed", join_quoted(got))
        }
        ErrorKind::Required { want } => match want.as_slice() {
            [one] => format!("missing property {}", quote(one)),
            all => format!("missing properties {}", join_quoted(all)),
        },
        ErrorKind::Dependency { prop, missing }
        | ErrorKind::DependentRequired { prop, missing } => {
            format!(
                "properties {} required, if {} exists",
                join_quoted(missing),
                quote(prop)
            )
        }
        ErrorKind::MinItems { got, want } => format!("minItems: got {got}, want {want}"),
        ErrorKind::MaxItems { got, want } => format!("maxItems: got {got}, want {want}"),
        ErrorKind::Contains => "no items match contains schema".into(),
        ErrorKind::MinContains { got, want } => {
            if got.is_empty() {
                format!("min {want} items required to match contains schema, but none matched")
            } else {
                format!(
                    "min {want} items required to match contains schema, but matched {} items at {}",
                    got.len(),
                    got.iter()
                        .map(usize::to_string)
                        .collect::<Vec<_>>()
                        .join(" ")
                )
            }
        }
        ErrorKind::MaxContains { got, want } => format!(
            "max {want} items required to match contains schema, but matched {} items at {}",
            got.len(),
            got.iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join(" ")
        ),
        ErrorKind::UniqueItems { got: [i, j] } => format!("items at {i} and {j} are equal"),
        ErrorKind::AdditionalItems { got } => format!("last {got} additionalItem(s) not allowed"),
        ErrorKind::MinLength { got, want } => format!("minLength: got {got}, want {want}"),
        ErrorKind::MaxLength { got, want } => format!("maxLength: got {got}, want {want}"),
        ErrorKind::Pattern { got, want } => {
            format!("{} does not match pattern {}", quote(got), quote(want))
        }
        ErrorKind::ContentEncoding { want, err } => {
            format!("value is not {} encoded: {err}", quote(want))
        }
        ErrorKind::ContentMediaType { want, err, .. } => {
            format!("value is not of mediatype {}: {err}", quote(want))
        }
        ErrorKind::Minimum { got, want } => {
            format!("minimum: got {}, want {}", number(got), number(want))
        }
        ErrorKind::Maximum { got, want } => {
            format!("maximum: got {}, want {}", number(got), number(want))
        }
        ErrorKind::ExclusiveMinimum { got, want } => {
            format!(
                "exclusiveMinimum: got {}, want {}",
                number(got),
                number(want)
            )
        }
        ErrorKind::ExclusiveMaximum { got, want } => {
            format!(
                "exclusiveMaximum: got {}, want {}",
                number(got),
                number(want)
            )
        }
        ErrorKind::MultipleOf { got, want } => {
            format!("multipleOf: got {}, want {}", number(got), number(want))
        }
        ErrorKind::Not => "'not' failed".into(),
        ErrorKind::AllOf => "'allOf' failed".into(),
        ErrorKind::AnyOf => "'anyOf' failed".into(),
        ErrorKind::OneOf(None) => "'oneOf' failed, none matched".into(),
        ErrorKind::OneOf(Some((i, j))) => {
            format!("'oneOf' failed, subschemas {i}, {j} matched")
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn numbers_as_the_english_printer() {
        for (n, want) in [
            ("0", "0"),
            ("5000", "5,000"),
            ("1000", "1,000"),
            ("-1234567", "-1,234,567"),
            ("1.5", "1.5"),
            ("999", "999"),
        ] {
            let v: serde_json::Number = n.parse().unwrap_or_else(|_| 0.into());
            assert_eq!(super::number(&v), want, "{n}");
        }
    }
}
