//! Return codes (`memcached_return_t`) and the error value the core hands back.
//!
//! The numeric values never move: they are ABI. The texts of
//! [`ReturnCode::text`] are 1.1.4's `memcached_strerror` strings, which tools
//! and tests grep for.

use std::fmt;

/// `memcached_return_t`, value for value.
#[repr(i32)]
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum ReturnCode {
    Success = 0,
    Failure = 1,
    HostLookupFailure = 2,
    ConnectionFailure = 3,
    ConnectionBindFailure = 4,
    WriteFailure = 5,
    ReadFailure = 6,
    UnknownReadFailure = 7,
    ProtocolError = 8,
    ClientError = 9,
    ServerError = 10,
    Error = 11,
    DataExists = 12,
    DataDoesNotExist = 13,
    Notstored = 14,
    Stored = 15,
    Notfound = 16,
    MemoryAllocationFailure = 17,
    PartialRead = 18,
    SomeErrors = 19,
    NoServers = 20,
    End = 21,
    Deleted = 22,
    Value = 23,
    Stat = 24,
    Item = 25,
    Errno = 26,
    FailUnixSocket = 27,
    NotSupported = 28,
    NoKeyProvided = 29,
    FetchNotfinished = 30,
    Timeout = 31,
    Buffered = 32,
    BadKeyProvided = 33,
    InvalidHostProtocol = 34,
    ServerMarkedDead = 35,
    UnknownStatKey = 36,
    E2Big = 37,
    InvalidArguments = 38,
    KeyTooBig = 39,
    AuthProblem = 40,
    AuthFailure = 41,
    AuthContinue = 42,
    ParseError = 43,
    ParseUserError = 44,
    Deprecated = 45,
    InProgress = 46,
    ServerTemporarilyDisabled = 47,
    ServerMemoryAllocationFailure = 48,
    MaximumReturn = 49,
}

impl ReturnCode {
    /// Every code in numeric order (index = value).
    pub const ALL: [ReturnCode; 50] = [
        ReturnCode::Success,
        ReturnCode::Failure,
        ReturnCode::HostLookupFailure,
        ReturnCode::ConnectionFailure,
        ReturnCode::ConnectionBindFailure,
        ReturnCode::WriteFailure,
        ReturnCode::ReadFailure,
        ReturnCode::UnknownReadFailure,
        ReturnCode::ProtocolError,
        ReturnCode::ClientError,
        ReturnCode::ServerError,
        ReturnCode::Error,
        ReturnCode::DataExists,
        ReturnCode::DataDoesNotExist,
        ReturnCode::Notstored,
        ReturnCode::Stored,
        ReturnCode::Notfound,
        ReturnCode::MemoryAllocationFailure,
        ReturnCode::PartialRead,
        ReturnCode::SomeErrors,
        ReturnCode::NoServers,
        ReturnCode::End,
        ReturnCode::Deleted,
        ReturnCode::Value,
        ReturnCode::Stat,
        ReturnCode::Item,
        ReturnCode::Errno,
        ReturnCode::FailUnixSocket,
        ReturnCode::NotSupported,
        ReturnCode::NoKeyProvided,
        ReturnCode::FetchNotfinished,
        ReturnCode::Timeout,
        ReturnCode::Buffered,
        ReturnCode::BadKeyProvided,
        ReturnCode::InvalidHostProtocol,
        ReturnCode::ServerMarkedDead,
        ReturnCode::UnknownStatKey,
        ReturnCode::E2Big,
        ReturnCode::InvalidArguments,
        ReturnCode::KeyTooBig,
        ReturnCode::AuthProblem,
        ReturnCode::AuthFailure,
        ReturnCode::AuthContinue,
        ReturnCode::ParseError,
        ReturnCode::ParseUserError,
        ReturnCode::Deprecated,
        ReturnCode::InProgress,
        ReturnCode::ServerTemporarilyDisabled,
        ReturnCode::ServerMemoryAllocationFailure,
        ReturnCode::MaximumReturn,
    ];

    /// The code for a raw value, if it is one.
    pub fn from_i32(v: i32) -> Option<ReturnCode> {
        usize::try_from(v)
            .ok()
            .and_then(|i| Self::ALL.get(i).copied())
    }

    /// The raw value.
    pub fn as_i32(self) -> i32 {
        self as i32
    }

    /// `memcached_success()` of 1.1.4's `return.h`.
    pub fn is_success(self) -> bool {
        use ReturnCode::*;
        matches!(
            self,
            Buffered | Deleted | End | Item | Stat | Stored | Success | Value
        )
    }

    /// `memcached_failed()` of 1.1.4's `return.h`.
    pub fn is_failed(self) -> bool {
        !self.is_success() && self != ReturnCode::AuthContinue
    }

    /// `memcached_fatal()` of 1.1.4's `return.h`: the failures after which a
    /// connection cannot be trusted.
    pub fn is_fatal(self) -> bool {
        use ReturnCode::*;
        !matches!(
            self,
            AuthContinue
                | Buffered
                | ClientError
                | DataExists
                | Deleted
                | E2Big
                | End
                | Item
                | ReturnCode::Error
                | Notfound
                | Notstored
                | ServerMemoryAllocationFailure
                | Stat
                | Stored
                | Success
                | Value
        )
    }

    /// 1.1.4's `memcached_strerror` text.
    pub fn text(self) -> &'static str {
        match self {
            ReturnCode::Success => "SUCCESS",
            ReturnCode::Failure => "FAILURE",
            ReturnCode::HostLookupFailure => {
                "getaddrinfo() or getnameinfo() HOSTNAME LOOKUP FAILURE"
            }
            ReturnCode::ConnectionFailure => "CONNECTION FAILURE",
            ReturnCode::ConnectionBindFailure => "CONNECTION BIND FAILURE",
            ReturnCode::WriteFailure => "WRITE FAILURE",
            ReturnCode::ReadFailure => "READ FAILURE",
            ReturnCode::UnknownReadFailure => "UNKNOWN READ FAILURE",
            ReturnCode::ProtocolError => "PROTOCOL ERROR",
            ReturnCode::ClientError => "CLIENT ERROR",
            ReturnCode::ServerError => "SERVER ERROR",
            ReturnCode::Error => "ERROR was returned by server",
            ReturnCode::DataExists => "CONNECTION DATA EXISTS",
            ReturnCode::DataDoesNotExist => "CONNECTION DATA DOES NOT EXIST",
            ReturnCode::Notstored => "NOT STORED",
            ReturnCode::Stored => "STORED",
            ReturnCode::Notfound => "NOT FOUND",
            ReturnCode::MemoryAllocationFailure => "MEMORY ALLOCATION FAILURE",
            ReturnCode::PartialRead => "PARTIAL READ",
            ReturnCode::SomeErrors => "SOME ERRORS WERE REPORTED",
            ReturnCode::NoServers => "NO SERVERS DEFINED",
            ReturnCode::End => "SERVER END",
            ReturnCode::Deleted => "SERVER DELETE",
            ReturnCode::Value => "SERVER VALUE",
            ReturnCode::Stat => "STAT VALUE",
            ReturnCode::Item => "ITEM VALUE",
            ReturnCode::Errno => "SYSTEM ERROR",
            ReturnCode::FailUnixSocket => "COULD NOT OPEN UNIX SOCKET",
            ReturnCode::NotSupported => "ACTION NOT SUPPORTED",
            ReturnCode::NoKeyProvided => "A KEY LENGTH OF ZERO WAS PROVIDED",
            ReturnCode::FetchNotfinished => "FETCH WAS NOT COMPLETED",
            ReturnCode::Timeout => "A TIMEOUT OCCURRED",
            ReturnCode::Buffered => "ACTION QUEUED",
            ReturnCode::BadKeyProvided => "A BAD KEY WAS PROVIDED/CHARACTERS OUT OF RANGE",
            ReturnCode::InvalidHostProtocol => {
                "THE HOST TRANSPORT PROTOCOL DOES NOT MATCH THAT OF THE CLIENT"
            }
            ReturnCode::ServerMarkedDead => "SERVER IS MARKED DEAD",
            ReturnCode::UnknownStatKey => "ENCOUNTERED AN UNKNOWN STAT KEY",
            ReturnCode::E2Big => "ITEM TOO BIG",
            ReturnCode::InvalidArguments => "INVALID ARGUMENTS",
            ReturnCode::KeyTooBig => "KEY RETURNED FROM SERVER WAS TOO LARGE",
            ReturnCode::AuthProblem => "FAILED TO SEND AUTHENTICATION TO SERVER",
            ReturnCode::AuthFailure => "AUTHENTICATION FAILURE",
            ReturnCode::AuthContinue => "CONTINUE AUTHENTICATION",
            ReturnCode::ParseError => "ERROR OCCURED WHILE PARSING",
            ReturnCode::ParseUserError => "USER INITIATED ERROR OCCURED WHILE PARSING",
            ReturnCode::Deprecated => "DEPRECATED",
            ReturnCode::InProgress => "OPERATION IN PROCESS",
            ReturnCode::ServerTemporarilyDisabled => {
                "SERVER HAS FAILED AND IS DISABLED UNTIL TIMED RETRY"
            }
            ReturnCode::ServerMemoryAllocationFailure => "SERVER FAILED TO ALLOCATE OBJECT",
            ReturnCode::MaximumReturn => "INVALID memcached_return_t",
        }
    }
}

/// The text for any raw value, including out-of-range ones.
pub fn strerror(v: i32) -> &'static str {
    ReturnCode::from_i32(v)
        .unwrap_or(ReturnCode::MaximumReturn)
        .text()
}

impl fmt::Display for ReturnCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.text())
    }
}

/// An error from the core: a code, an optional human-readable message and
/// the OS errno that caused it (0 when none).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    pub code: ReturnCode,
    pub message: Option<String>,
    pub errno: i32,
}

impl Error {
    /// An error with only a code.
    pub fn new(code: ReturnCode) -> Error {
        Error {
            code,
            message: None,
            errno: 0,
        }
    }

    /// An error with a code and a message.
    pub fn with_message(code: ReturnCode, message: impl Into<String>) -> Error {
        Error {
            code,
            message: Some(message.into()),
            errno: 0,
        }
    }

    /// An error caused by an OS error.
    pub fn from_io(code: ReturnCode, err: &std::io::Error, context: &str) -> Error {
        Error {
            code,
            message: Some(format!("{context}: {err}")),
            errno: err.raw_os_error().unwrap_or(0),
        }
    }
}

impl From<ReturnCode> for Error {
    fn from(code: ReturnCode) -> Error {
        Error::new(code)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.message {
            Some(m) => write!(f, "{}, {}", self.code.text(), m),
            None => f.write_str(self.code.text()),
        }
    }
}

impl std::error::Error for Error {}

/// Result alias used across the core.
pub type Result<T> = std::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_and_texts() {
        assert_eq!(ReturnCode::Timeout as i32, 31);
        assert_eq!(ReturnCode::ServerTemporarilyDisabled as i32, 47);
        assert_eq!(ReturnCode::MaximumReturn as i32, 49);
        assert_eq!(strerror(31), "A TIMEOUT OCCURRED");
        assert_eq!(strerror(50), "INVALID memcached_return_t");
        assert_eq!(strerror(-1), "INVALID memcached_return_t");
        for (i, c) in ReturnCode::ALL.iter().enumerate() {
            assert_eq!(c.as_i32() as usize, i);
        }
    }
}
