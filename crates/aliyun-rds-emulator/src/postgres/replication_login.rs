//! Logging in to a server for physical replication, as a standby would.
//!
//! The precheck must know whether the source lets the account open a
//! replication connection: that needs the account's `REPLICATION`
//! attribute *and* a `replication` line in the source's `pg_hba.conf`, and
//! only logging in proves both. The SQL driver cannot open such a
//! connection (its start-up message has no `replication` parameter), so
//! this module speaks the start-up and authentication part of the
//! protocol itself with `postgres-protocol`'s messages: cleartext, MD5 and
//! SCRAM-SHA-256 passwords, without TLS. The login succeeds at
//! `ReadyForQuery`; the server's `ErrorResponse` message is the reason it
//! failed.

use std::net::SocketAddr;
use std::time::Duration;

use bytes::BytesMut;
use fallible_iterator::FallibleIterator;
use postgres_protocol::authentication::md5_hash;
use postgres_protocol::authentication::sasl::{ChannelBinding, ScramSha256, SCRAM_SHA_256};
use postgres_protocol::message::backend::Message;
use postgres_protocol::message::frontend;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Opens a physical replication connection to `address` as `user` and
/// closes it; `Err` holds the reason, in the server's words where it gave
/// one.
pub(crate) async fn replication_login(
    address: SocketAddr,
    user: &str,
    password: &str,
    limit: Duration,
) -> Result<(), String> {
    match tokio::time::timeout(limit, login(address, user, password)).await {
        Ok(result) => result,
        Err(_) => Err(format!("no answer within {limit:?}")),
    }
}

async fn login(address: SocketAddr, user: &str, password: &str) -> Result<(), String> {
    let mut stream = TcpStream::connect(address)
        .await
        .map_err(|error| format!("cannot connect: {error}"))?;
    let mut out = BytesMut::new();
    frontend::startup_message(
        [
            ("user", user),
            ("replication", "true"),
            ("application_name", "rds_precheck"),
        ],
        &mut out,
    )
    .map_err(|error| error.to_string())?;
    send(&mut stream, &mut out).await?;

    let mut scram: Option<ScramSha256> = None;
    let mut incoming = BytesMut::new();
    loop {
        let message = loop {
            if let Some(message) =
                Message::parse(&mut incoming).map_err(|error| error.to_string())?
            {
                break message;
            }
            let read = stream
                .read_buf(&mut incoming)
                .await
                .map_err(|error| format!("connection lost: {error}"))?;
            if read == 0 {
                return Err("the server closed the connection".to_owned());
            }
        };
        match message {
            Message::AuthenticationOk
            | Message::ParameterStatus(_)
            | Message::BackendKeyData(_)
            | Message::NoticeResponse(_) => {}
            Message::AuthenticationCleartextPassword => {
                frontend::password_message(password.as_bytes(), &mut out)
                    .map_err(|error| error.to_string())?;
                send(&mut stream, &mut out).await?;
            }
            Message::AuthenticationMd5Password(body) => {
                let hash = md5_hash(user.as_bytes(), password.as_bytes(), body.salt());
                frontend::password_message(hash.as_bytes(), &mut out)
                    .map_err(|error| error.to_string())?;
                send(&mut stream, &mut out).await?;
            }
            Message::AuthenticationSasl(body) => {
                let mut mechanisms = body.mechanisms();
                let mut offered = false;
                while let Some(mechanism) = mechanisms.next().map_err(|error| error.to_string())? {
                    offered |= mechanism == SCRAM_SHA_256;
                }
                if !offered {
                    return Err("the server offers no SASL mechanism this client knows".to_owned());
                }
                let client = ScramSha256::new(password.as_bytes(), ChannelBinding::unsupported());
                frontend::sasl_initial_response(SCRAM_SHA_256, client.message(), &mut out)
                    .map_err(|error| error.to_string())?;
                send(&mut stream, &mut out).await?;
                scram = Some(client);
            }
            Message::AuthenticationSaslContinue(body) => {
                let client = scram.as_mut().ok_or("unexpected SASL message")?;
                client
                    .update(body.data())
                    .map_err(|error| error.to_string())?;
                frontend::sasl_response(client.message(), &mut out)
                    .map_err(|error| error.to_string())?;
                send(&mut stream, &mut out).await?;
            }
            Message::AuthenticationSaslFinal(body) => {
                let client = scram.as_mut().ok_or("unexpected SASL message")?;
                client
                    .finish(body.data())
                    .map_err(|error| error.to_string())?;
            }
            Message::ReadyForQuery(_) => {
                frontend::terminate(&mut out);
                let _ = send(&mut stream, &mut out).await;
                return Ok(());
            }
            Message::ErrorResponse(body) => {
                let mut fields = body.fields();
                let mut text = String::from("the server refused the login");
                while let Ok(Some(field)) = fields.next() {
                    if field.type_() == b'M' {
                        text = String::from_utf8_lossy(field.value_bytes()).into_owned();
                    }
                }
                return Err(text);
            }
            _ => return Err("unexpected message during login".to_owned()),
        }
    }
}

async fn send(stream: &mut TcpStream, out: &mut BytesMut) -> Result<(), String> {
    stream
        .write_all(out)
        .await
        .map_err(|error| format!("connection lost: {error}"))?;
    out.clear();
    Ok(())
}
