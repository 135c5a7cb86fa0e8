//! Invitation tickets: the copyable string (and QR code) a host gives a joiner.
//!
//! Format: `accord1` followed by unpadded RFC 4648 base32 (lowercase when shown as text,
//! uppercase inside QR codes, where that is denser; decoding ignores case and whitespace) of
//!
//! ```text
//! version (1 byte, = 1) | body length (u16, big-endian) | body (postcard) | CRC-32 (4 bytes, BE)
//! ```
//!
//! The CRC covers everything before it, so a mistyped or damaged ticket is detected rather than
//! decoded into a wrong invitation. The checksum is about typos, not about forgery: the payload
//! is only trusted by the host, which checks the one-time secret.

use std::{net::SocketAddr, str::FromStr};

use data_encoding::BASE32_NOPAD;
use iroh::{EndpointAddr, EndpointId, RelayUrl};
use serde::{Deserialize, Serialize};

use crate::{NetError, TicketError};

/// The prefix of every ticket string.
pub const TICKET_PREFIX: &str = "accord1";
/// The ticket format this program writes and reads.
pub const TICKET_VERSION: u8 = 1;

const HEADER: usize = 3; // version + u16 body length
const CRC: usize = 4;

/// An invitation: what the integrator puts in, plus the host's address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticket {
    /// The meeting document's id (samod `DocumentId` in string form).
    pub meeting: String,
    /// The founding device's public key, which the joiner pins.
    pub founding_key: [u8; 32],
    /// The one-time invite secret (only its hash is in the meeting document).
    pub secret: [u8; 32],
    /// The party (delegation) the invitee joins.
    pub party: String,
    /// The role granted (e.g. "delegate", "observer").
    pub role: String,
    /// Expiry, unix seconds.
    pub expires: u64,
    /// Where the host can be reached: its endpoint id, direct addresses and relay.
    pub host: EndpointAddr,
}

/// The serialised body. Field order is the format: append only, and bump the version for
/// anything else.
#[derive(Serialize, Deserialize)]
struct TicketBody {
    meeting: String,
    founding_key: [u8; 32],
    secret: [u8; 32],
    party: String,
    role: String,
    expires: u64,
    host_id: [u8; 32],
    host_addrs: Vec<SocketAddr>,
    host_relays: Vec<String>,
}

impl Ticket {
    fn to_bytes(&self) -> Vec<u8> {
        let body = TicketBody {
            meeting: self.meeting.clone(),
            founding_key: self.founding_key,
            secret: self.secret,
            party: self.party.clone(),
            role: self.role.clone(),
            expires: self.expires,
            host_id: *self.host.id.as_bytes(),
            host_addrs: self.host.ip_addrs().copied().collect(),
            host_relays: self.host.relay_urls().map(|u| u.to_string()).collect(),
        };
        let body = postcard::to_stdvec(&body).expect("serialising plain data to a Vec cannot fail");
        let len = u16::try_from(body.len()).expect("a ticket body is far below 64 KiB");
        let mut out = Vec::with_capacity(HEADER + body.len() + CRC);
        out.push(TICKET_VERSION);
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(&body);
        let crc = crc32fast::hash(&out);
        out.extend_from_slice(&crc.to_be_bytes());
        out
    }

    fn from_bytes(bytes: &[u8]) -> Result<Self, TicketError> {
        let Some(&version) = bytes.first() else {
            return Err(TicketError::Truncated { len: 0 });
        };
        if version != TICKET_VERSION {
            return Err(TicketError::UnknownVersion {
                found: version,
                supported: TICKET_VERSION,
            });
        }
        if bytes.len() < HEADER + CRC {
            return Err(TicketError::Truncated { len: bytes.len() });
        }
        let body_len = usize::from(u16::from_be_bytes([bytes[1], bytes[2]]));
        let expected = HEADER + body_len + CRC;
        if bytes.len() < expected {
            return Err(TicketError::Truncated { len: bytes.len() });
        }
        if bytes.len() > expected {
            return Err(TicketError::Malformed(format!(
                "{} bytes too many at the end",
                bytes.len() - expected
            )));
        }
        let (signed, crc) = bytes.split_at(HEADER + body_len);
        if crc32fast::hash(signed).to_be_bytes() != crc {
            return Err(TicketError::Checksum);
        }
        let body: TicketBody = postcard::from_bytes(&signed[HEADER..])
            .map_err(|e| TicketError::Malformed(e.to_string()))?;
        let host_id = EndpointId::from_bytes(&body.host_id)
            .map_err(|e| TicketError::Malformed(format!("host id: {e}")))?;
        let mut host = EndpointAddr::new(host_id);
        for a in body.host_addrs {
            host = host.with_ip_addr(a);
        }
        for r in body.host_relays {
            let url: RelayUrl = r
                .parse()
                .map_err(|e| TicketError::Malformed(format!("relay url: {e}")))?;
            host = host.with_relay_url(url);
        }
        Ok(Ticket {
            meeting: body.meeting,
            founding_key: body.founding_key,
            secret: body.secret,
            party: body.party,
            role: body.role,
            expires: body.expires,
            host,
        })
    }

    /// The ticket as a QR code, SVG text. Encodes the uppercase form (QR's alphanumeric mode),
    /// which [`Ticket::from_str`] reads as well.
    pub fn to_qr_svg(&self) -> Result<String, NetError> {
        use qrcode::{EcLevel, QrCode, render::svg};
        let text = self.to_string().to_ascii_uppercase();
        let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)
            .map_err(|e| NetError::Qr(e.to_string()))?;
        Ok(code
            .render::<svg::Color<'_>>()
            .min_dimensions(256, 256)
            .quiet_zone(true)
            .build())
    }
}

impl std::fmt::Display for Ticket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let encoded = BASE32_NOPAD.encode(&self.to_bytes()).to_ascii_lowercase();
        write!(f, "{TICKET_PREFIX}{encoded}")
    }
}

impl FromStr for Ticket {
    type Err = TicketError;

    fn from_str(s: &str) -> Result<Self, TicketError> {
        // Copying from mail or chat adds line breaks and spaces; they carry nothing.
        let cleaned: String = s
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_uppercase();
        let Some(rest) = cleaned.strip_prefix(&TICKET_PREFIX.to_ascii_uppercase()) else {
            return Err(TicketError::WrongPrefix {
                expected: TICKET_PREFIX,
            });
        };
        let bytes = BASE32_NOPAD
            .decode(rest.as_bytes())
            .map_err(|e| match e.kind {
                // A base32 length that no byte string has: characters are missing at the end.
                // A base32 length that no byte string has, or a last character with bits left
                // over: characters are missing at the end.
                data_encoding::DecodeKind::Length | data_encoding::DecodeKind::Trailing => {
                    TicketError::Truncated {
                        len: rest.len() * 5 / 8,
                    }
                }
                _ => TicketError::BadCharacters {
                    position: TICKET_PREFIX.len() + e.position,
                },
            })?;
        Ticket::from_bytes(&bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Ticket {
        let host = iroh::SecretKey::from_bytes(&[9; 32]).public();
        Ticket {
            meeting: "2bYTWy8qFTJdHAT4CLSxHikrdEqA".into(),
            founding_key: [1; 32],
            secret: [2; 32],
            party: "CAN".into(),
            role: "delegate".into(),
            expires: 1_800_000_000,
            host: EndpointAddr::new(host)
                .with_ip_addr("127.0.0.1:4433".parse().expect("literal"))
                .with_relay_url("https://relay.example.invalid/".parse().expect("literal")),
        }
    }

    #[test]
    fn ticket_round_trips_through_its_string() {
        let t = sample();
        let s = t.to_string();
        assert!(s.starts_with("accord1"), "{s}");
        assert_eq!(s.parse::<Ticket>(), Ok(t.clone()));
        // Case and whitespace added by copying do not matter.
        let mangled = format!("  {}\n{} ", &s[..20].to_ascii_uppercase(), &s[20..]);
        assert_eq!(mangled.parse::<Ticket>(), Ok(t));
    }

    #[test]
    fn ticket_with_only_an_id_round_trips() {
        let mut t = sample();
        t.host = EndpointAddr::new(t.host.id);
        assert_eq!(t.to_string().parse::<Ticket>(), Ok(t));
    }

    #[test]
    fn ticket_with_wrong_prefix_is_rejected() {
        let s = sample().to_string().replacen("accord1", "endpoint", 1);
        assert_eq!(
            s.parse::<Ticket>(),
            Err(TicketError::WrongPrefix {
                expected: TICKET_PREFIX
            })
        );
        assert!(matches!(
            "".parse::<Ticket>(),
            Err(TicketError::WrongPrefix { .. })
        ));
    }

    #[test]
    fn ticket_with_garbage_characters_is_rejected() {
        let s = format!("accord1{}", "not base32 at all!!");
        assert!(
            matches!(s.parse::<Ticket>(), Err(TicketError::BadCharacters { .. })),
            "{:?}",
            s.parse::<Ticket>()
        );
        let s = "accord1aaaa8aaa";
        assert!(matches!(
            s.parse::<Ticket>(),
            Err(TicketError::BadCharacters { position: 11 })
        ));
    }

    #[test]
    fn truncated_ticket_is_reported_as_truncated() {
        let s = sample().to_string();
        for cut in [
            s.len() - 1,
            s.len() - 8,
            s.len() / 2,
            TICKET_PREFIX.len() + 2,
        ] {
            let r = s[..cut].parse::<Ticket>();
            assert!(
                matches!(r, Err(TicketError::Truncated { .. })),
                "cut at {cut}: {r:?}"
            );
        }
    }

    #[test]
    fn bit_flipped_ticket_fails_its_checksum() {
        let t = sample();
        let bytes = t.to_bytes();
        // Every single-bit flip after the version byte is caught.
        for i in 3..bytes.len() {
            for bit in 0..8 {
                let mut b = bytes.clone();
                b[i] ^= 1 << bit;
                assert_eq!(
                    Ticket::from_bytes(&b),
                    Err(TicketError::Checksum),
                    "byte {i} bit {bit}"
                );
            }
        }
        // And a typo in the text form: one character replaced.
        let s = t.to_string();
        let i = s.len() / 2;
        let typo = if &s[i..=i] == "a" { "b" } else { "a" };
        let s = format!("{}{typo}{}", &s[..i], &s[i + 1..]);
        assert_eq!(s.parse::<Ticket>(), Err(TicketError::Checksum));
    }

    #[test]
    fn ticket_of_unknown_version_asks_for_an_update() {
        let mut b = sample().to_bytes();
        b[0] = 2;
        let s = format!(
            "{TICKET_PREFIX}{}",
            BASE32_NOPAD.encode(&b).to_ascii_lowercase()
        );
        assert_eq!(
            s.parse::<Ticket>(),
            Err(TicketError::UnknownVersion {
                found: 2,
                supported: 1
            })
        );
    }

    #[test]
    fn ticket_qr_code_is_an_svg() {
        let svg = sample().to_qr_svg().expect("fits in a QR code");
        assert!(
            svg.starts_with("<?xml") && svg.contains("<svg"),
            "{}",
            &svg[..60]
        );
    }
}
