//! Invitation tickets: the copyable string (and QR code) a host gives a joiner.
//!
//! Format: `accord1` followed by unpadded RFC 4648 base32 (lowercase when shown as text,
//! uppercase inside QR codes, where that is denser; decoding ignores case and whitespace) of
//!
//! ```text
//! version (1 byte, = 2) | body length (u16, BE) | body (postcard) | signature (64 bytes) | CRC-32 (4 bytes, BE)
//! ```
//!
//! The **signature** is the host device's ed25519 signature (its iroh key, which is also its
//! device key) over [`SIGNATURE_CONTEXT`] followed by the version, length and body: everything
//! a ticket says — meeting, founding key, invite secret, party, role, expiry, the host's id,
//! addresses, ports and relays. Parsing checks it against the host id in the ticket, so a
//! ticket whose address (or anything else) was changed after it was made is refused; a
//! ticket is made only by [`Ticket::sign`]. The signature proves who made the ticket, not that
//! its maker is to be trusted: the joiner still pins the founding key, and the host still
//! checks the one-time secret.
//!
//! The **CRC** covers everything before it and is about typos: a mistyped or damaged ticket is
//! reported as such ("mistyped when copied") rather than as altered.
//!
//! Version 1 tickets (unsigned) are refused with "made by an older Accord": their host has to
//! make a new one.

use std::{net::SocketAddr, str::FromStr};

use data_encoding::BASE32_NOPAD;
use iroh::{EndpointAddr, EndpointId, RelayUrl, SecretKey, Signature};
use serde::{Deserialize, Serialize};

use crate::{NetError, TicketError};

/// The prefix of every ticket string.
pub const TICKET_PREFIX: &str = "accord1";
/// The ticket format this program writes and reads.
pub const TICKET_VERSION: u8 = 2;
/// What the host's signature is made over comes after these bytes, so that no other message
/// signed with the device key can pass for a ticket.
pub const SIGNATURE_CONTEXT: &[u8] = b"accord ticket signature v2\0";

const HEADER: usize = 3; // version + u16 body length
const SIGNATURE: usize = Signature::LENGTH;
const CRC: usize = 4;
/// Base32 characters that decode to whole header bytes (8 characters = 5 bytes).
const HEADER_CHARS: usize = 8;

/// What an invitation says: what the integrator puts in, plus the host's address. Turned into
/// a ticket string only by signing it ([`Ticket::sign`]); parsing a string (into a [`Ticket`]
/// or a [`SignedTicket`]) checks the signature.
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
    /// Where the host can be reached: its endpoint id, direct addresses and relay. The id is
    /// the key the ticket is signed with.
    pub host: EndpointAddr,
}

/// A ticket with its host's signature: what a ticket string holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedTicket {
    ticket: Ticket,
    signature: [u8; SIGNATURE],
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
    /// Signs the ticket with the host's secret key: the device key whose public half is
    /// `self.host.id`. Any other key is refused, since no joiner could check its signature.
    pub fn sign(self, host_secret_key: &[u8; 32]) -> Result<SignedTicket, NetError> {
        let key = SecretKey::from_bytes(host_secret_key);
        if key.public() != self.host.id {
            return Err(NetError::TicketSigner {
                signer: key.public(),
                host: self.host.id,
            });
        }
        let signature = key
            .sign(&signed_message(&self.header_and_body()))
            .to_bytes();
        Ok(SignedTicket {
            ticket: self,
            signature,
        })
    }

    /// Version, body length and body: what the signature covers (after the context).
    fn header_and_body(&self) -> Vec<u8> {
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
        let mut out = Vec::with_capacity(HEADER + body.len() + SIGNATURE + CRC);
        out.push(TICKET_VERSION);
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(&body);
        out
    }
}

/// The message the host signs: the context, then the ticket's version, length and body.
fn signed_message(header_and_body: &[u8]) -> Vec<u8> {
    [SIGNATURE_CONTEXT, header_and_body].concat()
}

/// The version byte's verdict: this program's version, or why not.
fn check_version(version: u8) -> Result<(), TicketError> {
    match version {
        TICKET_VERSION => Ok(()),
        v if v < TICKET_VERSION => Err(TicketError::OldVersion { found: v }),
        v => Err(TicketError::UnknownVersion {
            found: v,
            supported: TICKET_VERSION,
        }),
    }
}

/// Whether `bytes` is a whole ticket of this version whose checksum holds (its signature and
/// content unchecked): tells a ticket with characters appended from one altered inside.
fn checksum_holds(bytes: &[u8]) -> bool {
    bytes.len() >= HEADER + SIGNATURE + CRC && {
        let (before, crc) = bytes.split_at(bytes.len() - CRC);
        crc32fast::hash(before).to_be_bytes() == crc
    }
}

impl SignedTicket {
    /// What the ticket says.
    pub fn ticket(&self) -> &Ticket {
        &self.ticket
    }

    /// What the ticket says, by value.
    pub fn into_ticket(self) -> Ticket {
        self.ticket
    }

    fn to_bytes(&self) -> Vec<u8> {
        let mut out = self.ticket.header_and_body();
        out.extend_from_slice(&self.signature);
        let crc = crc32fast::hash(&out);
        out.extend_from_slice(&crc.to_be_bytes());
        out
    }

    fn from_bytes(bytes: &[u8]) -> Result<Self, TicketError> {
        let Some(&version) = bytes.first() else {
            return Err(TicketError::Truncated { missing: None });
        };
        check_version(version)?;
        if bytes.len() < HEADER {
            return Err(TicketError::Truncated { missing: None });
        }
        let body_len = usize::from(u16::from_be_bytes([bytes[1], bytes[2]]));
        let expected = HEADER + body_len + SIGNATURE + CRC;
        // The string form reports lengths in characters before it gets here; these are for
        // bytes that did not come from a string.
        if bytes.len() != expected {
            return Err(TicketError::Malformed(format!(
                "{} bytes where its header says {expected}",
                bytes.len()
            )));
        }
        if !checksum_holds(bytes) {
            return Err(TicketError::Checksum);
        }
        let (header_and_body, rest) = bytes.split_at(HEADER + body_len);
        let signature: [u8; SIGNATURE] = rest[..SIGNATURE]
            .try_into()
            .expect("the length was checked above");
        let body: TicketBody = postcard::from_bytes(&header_and_body[HEADER..])
            .map_err(|e| TicketError::Malformed(e.to_string()))?;
        let host_id = EndpointId::from_bytes(&body.host_id)
            .map_err(|e| TicketError::Malformed(format!("host id: {e}")))?;
        host_id
            .verify(
                &signed_message(header_and_body),
                &Signature::from_bytes(&signature),
            )
            .map_err(|_| TicketError::SignatureMismatch)?;
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
        Ok(SignedTicket {
            ticket: Ticket {
                meeting: body.meeting,
                founding_key: body.founding_key,
                secret: body.secret,
                party: body.party,
                role: body.role,
                expires: body.expires,
                host,
            },
            signature,
        })
    }

    /// The ticket as a QR code, SVG text. Encodes the uppercase form (QR's alphanumeric mode),
    /// which [`SignedTicket::from_str`] reads as well.
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

impl std::fmt::Display for SignedTicket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let encoded = BASE32_NOPAD.encode(&self.to_bytes()).to_ascii_lowercase();
        write!(f, "{TICKET_PREFIX}{encoded}")
    }
}

impl FromStr for SignedTicket {
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
        let is_base32 = |c: u8| c.is_ascii_uppercase() || (b'2'..=b'7').contains(&c);
        if let Some(i) = rest.bytes().position(|c| !is_base32(c)) {
            return Err(TicketError::BadCharacters {
                position: TICKET_PREFIX.len() + i,
            });
        }
        // The header says how long the ticket is, so a wrong length is told as what it is:
        // characters missing at the end, characters added after the end, or added inside.
        if rest.len() < HEADER_CHARS {
            return Err(TicketError::Truncated { missing: None });
        }
        let header = BASE32_NOPAD
            .decode(&rest.as_bytes()[..HEADER_CHARS])
            .expect("8 base32 characters are 5 whole bytes");
        check_version(header[0])?;
        let body_len = usize::from(u16::from_be_bytes([header[1], header[2]]));
        let chars = BASE32_NOPAD.encode_len(HEADER + body_len + SIGNATURE + CRC);
        let decode = |text: &str| {
            BASE32_NOPAD
                .decode(text.as_bytes())
                // The last character of a ticket carries bits that must be zero: one that
                // does not was mistyped.
                .map_err(|_| TicketError::Checksum)
        };
        if rest.len() < chars {
            return Err(TicketError::Truncated {
                missing: Some(chars - rest.len()),
            });
        }
        if rest.len() > chars {
            let extra = rest.len() - chars;
            let whole_before = decode(&rest[..chars]).is_ok_and(|b| checksum_holds(&b));
            return Err(if whole_before {
                TicketError::TrailingCharacters { extra }
            } else {
                TicketError::TooLong { extra }
            });
        }
        SignedTicket::from_bytes(&decode(rest)?)
    }
}

impl FromStr for Ticket {
    type Err = TicketError;

    /// Reads a ticket string, checking its signature (see [`SignedTicket`]).
    fn from_str(s: &str) -> Result<Self, TicketError> {
        s.parse::<SignedTicket>().map(SignedTicket::into_ticket)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOST_KEY: [u8; 32] = [9; 32];

    fn sample() -> Ticket {
        let host = SecretKey::from_bytes(&HOST_KEY).public();
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

    fn signed() -> SignedTicket {
        sample().sign(&HOST_KEY).expect("the host's own key")
    }

    /// The string form of `bytes`, as `Display` writes it.
    fn text(bytes: &[u8]) -> String {
        format!(
            "{TICKET_PREFIX}{}",
            BASE32_NOPAD.encode(bytes).to_ascii_lowercase()
        )
    }

    /// `bytes` with a checksum recomputed over everything before it, as a forger would.
    fn with_fresh_crc(mut bytes: Vec<u8>) -> Vec<u8> {
        let n = bytes.len() - CRC;
        let crc = crc32fast::hash(&bytes[..n]);
        bytes[n..].copy_from_slice(&crc.to_be_bytes());
        bytes
    }

    #[test]
    fn ticket_round_trips_through_its_string() {
        let t = signed();
        let s = t.to_string();
        assert!(s.starts_with("accord1"), "{s}");
        assert_eq!(s.parse::<SignedTicket>(), Ok(t.clone()));
        assert_eq!(s.parse::<Ticket>(), Ok(sample()));
        // Case and whitespace added by copying do not matter.
        let mangled = format!("  {}\n{} ", &s[..20].to_ascii_uppercase(), &s[20..]);
        assert_eq!(mangled.parse::<SignedTicket>(), Ok(t));
    }

    #[test]
    fn ticket_with_only_an_id_round_trips() {
        let mut t = sample();
        t.host = EndpointAddr::new(t.host.id);
        let s = t.clone().sign(&HOST_KEY).unwrap().to_string();
        assert_eq!(s.parse::<Ticket>(), Ok(t));
    }

    #[test]
    fn only_the_hosts_own_key_signs_its_ticket() {
        let err = sample().sign(&[8; 32]).unwrap_err();
        assert!(
            matches!(err, NetError::TicketSigner { host, .. } if host == sample().host.id),
            "{err}"
        );
    }

    #[test]
    fn ticket_with_a_patched_port_is_refused_as_altered() {
        let mut patched = sample();
        patched.host = EndpointAddr::new(patched.host.id)
            .with_ip_addr("127.0.0.1:4434".parse().expect("literal"))
            .with_relay_url("https://relay.example.invalid/".parse().expect("literal"));
        // The patched content with the original signature, and a checksum made to fit (a
        // typo would fail the checksum; this is deliberate).
        let forged = SignedTicket {
            ticket: patched,
            signature: signed().signature,
        };
        let err = forged.to_string().parse::<Ticket>().unwrap_err();
        assert_eq!(err, TicketError::SignatureMismatch);
        assert_eq!(
            err.to_string(),
            "this ticket was altered: its signature does not match"
        );
        // The same at the byte level: the port's bytes changed in place, the CRC recomputed.
        let bytes = signed().to_bytes();
        // postcard writes the port 4433 as the varint 0xd1 0x22.
        let at = bytes
            .windows(2)
            .position(|w| w == [0xd1, 0x22])
            .expect("the port's varint is in the body");
        let mut b = bytes.clone();
        b[at] = 0xd2; // port 4434
        assert_eq!(
            SignedTicket::from_bytes(&with_fresh_crc(b.clone())),
            Err(TicketError::SignatureMismatch)
        );
        assert_eq!(
            text(&with_fresh_crc(b)).parse::<Ticket>(),
            Err(TicketError::SignatureMismatch)
        );
    }

    #[test]
    fn ticket_signed_by_another_key_than_its_hosts_is_refused() {
        let other = SecretKey::from_bytes(&[8; 32]);
        let t = sample();
        let signature = other.sign(&signed_message(&t.header_and_body())).to_bytes();
        let s = SignedTicket {
            ticket: t,
            signature,
        }
        .to_string();
        assert_eq!(s.parse::<Ticket>(), Err(TicketError::SignatureMismatch));
    }

    #[test]
    fn every_field_of_a_ticket_is_signed() {
        let t = sample();
        let sig = signed().signature;
        let mut changes: Vec<Ticket> = Vec::new();
        let mut push = |f: &dyn Fn(&mut Ticket)| {
            let mut c = t.clone();
            f(&mut c);
            assert_ne!(c, t);
            changes.push(c);
        };
        push(&|c| c.meeting.push('x'));
        push(&|c| c.founding_key[0] ^= 1);
        push(&|c| c.secret[31] ^= 1);
        push(&|c| c.party = "MEX".into());
        push(&|c| c.role = "admin".into());
        push(&|c| c.expires += 1);
        push(&|c| c.host = EndpointAddr::new(c.host.id));
        push(&|c| {
            c.host = c
                .host
                .clone()
                .with_ip_addr("10.0.0.1:1".parse().expect("literal"))
        });
        push(&|c| {
            c.host = EndpointAddr::new(c.host.id)
                .with_ip_addr("127.0.0.2:4433".parse().expect("literal"))
                .with_relay_url("https://relay.example.invalid/".parse().expect("literal"))
        });
        for c in changes {
            let s = SignedTicket {
                ticket: c.clone(),
                signature: sig,
            }
            .to_string();
            assert_eq!(
                s.parse::<Ticket>(),
                Err(TicketError::SignatureMismatch),
                "{c:?}"
            );
        }
        // Another host id with the old signature: checked against the id in the ticket.
        let mut c = t.clone();
        c.host.id = SecretKey::from_bytes(&[8; 32]).public();
        let s = SignedTicket {
            ticket: c,
            signature: sig,
        }
        .to_string();
        assert_eq!(s.parse::<Ticket>(), Err(TicketError::SignatureMismatch));
    }

    #[test]
    fn ticket_with_wrong_prefix_is_rejected() {
        let s = signed().to_string().replacen("accord1", "endpoint", 1);
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
        // A bad character is named even where the length is wrong too.
        let s = format!("{}!", signed());
        assert_eq!(
            s.parse::<Ticket>(),
            Err(TicketError::BadCharacters {
                position: s.len() - 1
            })
        );
    }

    #[test]
    fn truncated_ticket_is_reported_as_too_short() {
        let s = signed().to_string();
        for (cut, missing) in [
            (s.len() - 1, Some(1)),
            (s.len() - 2, Some(2)),
            (s.len() - 8, Some(8)),
            (s.len() / 2, Some(s.len() - s.len() / 2)),
            (TICKET_PREFIX.len() + 2, None),
        ] {
            let r = s[..cut].parse::<Ticket>();
            assert_eq!(r, Err(TicketError::Truncated { missing }), "cut at {cut}");
        }
        let err = s[..s.len() - 2].parse::<Ticket>().unwrap_err();
        assert!(err.to_string().contains("2 characters too short"), "{err}");
    }

    #[test]
    fn ticket_with_characters_appended_says_so() {
        let s = signed().to_string();
        for (added, extra) in [("aa", 2), ("q", 1), ("abcdefgh", 8)] {
            let r = format!("{s}{added}").parse::<Ticket>();
            assert_eq!(r, Err(TicketError::TrailingCharacters { extra }), "{added}");
        }
        let err = format!("{s}aa").parse::<Ticket>().unwrap_err();
        assert!(
            err.to_string().contains("2 characters after its end"),
            "{err}"
        );
    }

    #[test]
    fn ticket_with_characters_inserted_inside_is_too_long() {
        let s = signed().to_string();
        let i = s.len() / 2;
        let r = format!("{}aa{}", &s[..i], &s[i..]).parse::<Ticket>();
        assert_eq!(r, Err(TicketError::TooLong { extra: 2 }));
        let err = r.unwrap_err();
        assert!(err.to_string().contains("2 characters too long"), "{err}");
    }

    #[test]
    fn bit_flipped_ticket_fails_its_checksum() {
        let bytes = signed().to_bytes();
        // Every single-bit flip after the header is caught: body, signature and checksum.
        for i in HEADER..bytes.len() {
            for bit in 0..8 {
                let mut b = bytes.clone();
                b[i] ^= 1 << bit;
                assert_eq!(
                    SignedTicket::from_bytes(&b),
                    Err(TicketError::Checksum),
                    "byte {i} bit {bit}"
                );
            }
        }
        // And a typo in the text form: one character replaced.
        let s = signed().to_string();
        let i = s.len() / 2;
        let typo = if &s[i..=i] == "a" { "b" } else { "a" };
        let s = format!("{}{typo}{}", &s[..i], &s[i + 1..]);
        assert_eq!(s.parse::<Ticket>(), Err(TicketError::Checksum));
    }

    #[test]
    fn ticket_of_an_older_version_asks_for_a_new_ticket() {
        // A version 1 ticket (unsigned: no signature before its checksum).
        let mut b = signed().ticket.header_and_body();
        b[0] = 1;
        let crc = crc32fast::hash(&b);
        b.extend_from_slice(&crc.to_be_bytes());
        let err = text(&b).parse::<Ticket>().unwrap_err();
        assert_eq!(err, TicketError::OldVersion { found: 1 });
        assert!(
            err.to_string().contains("older Accord") && err.to_string().contains("new ticket"),
            "{err}"
        );
    }

    #[test]
    fn ticket_of_a_newer_version_asks_for_an_update() {
        let mut b = signed().to_bytes();
        b[0] = 3;
        assert_eq!(
            text(&b).parse::<Ticket>(),
            Err(TicketError::UnknownVersion {
                found: 3,
                supported: 2
            })
        );
    }

    #[test]
    fn ticket_qr_code_is_an_svg() {
        let svg = signed().to_qr_svg().expect("fits in a QR code");
        assert!(
            svg.starts_with("<?xml") && svg.contains("<svg"),
            "{}",
            &svg[..60]
        );
    }
}
