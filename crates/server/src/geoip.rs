//! Where an IP address is, from a GeoIP database in MaxMind's format (GeoLite2/GeoIP2 City or
//! Country, or any compatible one such as DB-IP's), when the operator configures one. Without it
//! every location is "unknown"; the service never calls out to a lookup service.

use std::net::IpAddr;
use std::path::Path;

use maxminddb::geoip2;

pub struct GeoIp {
    reader: Option<maxminddb::Reader<Vec<u8>>>,
}

#[derive(Debug, thiserror::Error)]
#[error("cannot read the GeoIP database {path}: {message}")]
pub struct GeoIpError {
    pub path: String,
    pub message: String,
}

impl GeoIp {
    pub fn none() -> Self {
        Self { reader: None }
    }

    /// Reads the whole database into memory (tens of MB for a city database).
    pub fn open(path: Option<&Path>) -> Result<Self, GeoIpError> {
        let Some(path) = path else {
            return Ok(Self::none());
        };
        let reader = maxminddb::Reader::open_readfile(path).map_err(|e| GeoIpError {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        Ok(Self {
            reader: Some(reader),
        })
    }

    /// "Пермь, Россия": the city and country in Russian (English where Russian is missing), or
    /// None when the address is unknown, private or there is no database.
    pub fn locate(&self, ip: Option<&str>) -> Option<String> {
        let reader = self.reader.as_ref()?;
        let ip: IpAddr = ip?.parse().ok()?;
        let city: geoip2::City = reader.lookup(ip).ok()?.decode().ok()??;
        let name = |n: &geoip2::Names| n.russian.or(n.english).map(str::to_owned);
        let parts: Vec<String> = [name(&city.city.names), name(&city.country.names)]
            .into_iter()
            .flatten()
            .collect();
        (!parts.is_empty()).then(|| parts.join(", "))
    }
}
