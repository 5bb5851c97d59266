//! `DescribeRegions`: the regions and zones of the emulated cloud, as
//! `Regions.RDSRegion[]`, one entry per zone, sorted by region and zone.
//!
//! The list is a few built-in regions with two zones each, plus every region
//! and zone an instance of the fixture lives in, so that every instance's
//! `RegionId` and `ZoneId` appear. `AcceptLanguage` (`en-US`, the default,
//! or `zh-CN`) picks the language of `LocalName` and `ZoneName`.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use super::documented_errors::INVALID_ACCEPT_LANGUAGE;
use super::{OperationOutput, OperationRequest};
use crate::error::ApiError;
use crate::model::Model;

/// A region the emulator knows by name.
struct KnownRegion {
    id: &'static str,
    english: &'static str,
    chinese: &'static str,
    english_city: &'static str,
    chinese_city: &'static str,
    zones: &'static [&'static str],
}

const KNOWN_REGIONS: &[KnownRegion] = &[
    KnownRegion {
        id: "cn-hangzhou",
        english: "China (Hangzhou)",
        chinese: "华东1（杭州）",
        english_city: "Hangzhou",
        chinese_city: "杭州",
        zones: &["cn-hangzhou-h", "cn-hangzhou-i"],
    },
    KnownRegion {
        id: "cn-shanghai",
        english: "China (Shanghai)",
        chinese: "华东2（上海）",
        english_city: "Shanghai",
        chinese_city: "上海",
        zones: &["cn-shanghai-b", "cn-shanghai-l"],
    },
    KnownRegion {
        id: "cn-beijing",
        english: "China (Beijing)",
        chinese: "华北2（北京）",
        english_city: "Beijing",
        chinese_city: "北京",
        zones: &["cn-beijing-h", "cn-beijing-i"],
    },
    KnownRegion {
        id: "ap-southeast-1",
        english: "Singapore",
        chinese: "新加坡",
        english_city: "Singapore",
        chinese_city: "新加坡",
        zones: &["ap-southeast-1a", "ap-southeast-1b"],
    },
];

/// Every (region, zone) pair of the emulated cloud.
fn zones(state: &Model) -> BTreeSet<(String, String)> {
    let built_in = KNOWN_REGIONS.iter().flat_map(|region| {
        region
            .zones
            .iter()
            .map(|zone| (region.id.to_owned(), (*zone).to_owned()))
    });
    let from_fixture = state
        .instances
        .iter()
        .map(|instance| (instance.region_id.clone(), instance.zone_id.clone()));
    built_in.chain(from_fixture).collect()
}

/// Whether `region_id` is a region of the emulated cloud.
pub(super) fn is_known_region(state: &Model, region_id: &str) -> bool {
    zones(state).iter().any(|(region, _)| region == region_id)
}

pub(crate) fn handle(
    state: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    let chinese = match request.optional("AcceptLanguage") {
        None => false,
        Some(language) if language.eq_ignore_ascii_case("en-US") => false,
        Some(language) if language.eq_ignore_ascii_case("zh-CN") => true,
        Some(_) => {
            return Err(INVALID_ACCEPT_LANGUAGE.with_hint("Send AcceptLanguage=en-US or zh-CN."))
        }
    };
    let regions: Vec<Value> = zones(state)
        .into_iter()
        .map(|(region_id, zone_id)| {
            let known = KNOWN_REGIONS.iter().find(|known| known.id == region_id);
            // The zone letter: `cn-hangzhou-h` and `ap-southeast-1a` both
            // end in theirs.
            let letter = zone_id
                .chars()
                .last()
                .map(|letter| letter.to_ascii_uppercase().to_string())
                .unwrap_or_default();
            let (local_name, zone_name) = match (known, chinese) {
                (Some(known), false) => (
                    known.english.to_owned(),
                    format!("{} Zone {letter}", known.english_city),
                ),
                (Some(known), true) => (
                    known.chinese.to_owned(),
                    format!("{} 可用区{letter}", known.chinese_city),
                ),
                (None, _) => (region_id.clone(), zone_id.clone()),
            };
            // Mainland China regions share the central endpoint.
            let endpoint = if region_id.starts_with("cn-") {
                "rds.aliyuncs.com".to_owned()
            } else {
                format!("rds.{region_id}.aliyuncs.com")
            };
            json!({
                "RegionId": region_id,
                "ZoneId": zone_id,
                "LocalName": local_name,
                "ZoneName": zone_name,
                "RegionEndpoint": endpoint,
            })
        })
        .collect();
    let mut output = OperationOutput::new();
    output.insert("Regions".into(), json!({ "RDSRegion": regions }));
    Ok(output)
}
