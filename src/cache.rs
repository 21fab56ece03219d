//! Cache back ends. The in-process one is the default; Redis is used when `REDIS_URL` is set and
//! is never the source of truth: every call is bounded in time and a failure only degrades.

use std::time::Duration;

/// Pings Redis within `timeout` (connect and answer together).
pub async fn ping_redis(url: &str, timeout: Duration) -> Result<(), String> {
    let client = redis::Client::open(url)
        .map_err(|e| format!("bad Redis URL: {}", crate::store::redact(&e.to_string())))?;
    let fut = async {
        let mut c = client
            .get_multiplexed_async_connection()
            .await
            .map_err(|e| e.to_string())?;
        let pong: String = redis::cmd("PING")
            .query_async(&mut c)
            .await
            .map_err(|e| e.to_string())?;
        if pong == "PONG" {
            Ok(())
        } else {
            Err(format!("unexpected answer {pong}"))
        }
    };
    tokio::time::timeout(timeout, fut)
        .await
        .map_err(|_| "timed out".to_string())?
}
