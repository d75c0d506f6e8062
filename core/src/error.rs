//! The outcome codes of a call (1.1.4's `memcached_return_t` names, without
//! its numbers: the C ABI maps them) and the error value the core hands
//! back. The texts of [`ReturnCode::text`] are 1.1.4's `memcached_strerror`
//! strings, which tools and tests grep for.

use std::fmt;

/// The outcome of a call: success, a kind of failure, or one of the
/// informational codes of 1.1.4 (END, STORED, BUFFERED, …).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum ReturnCode {
    Success,
    Failure,
    HostLookupFailure,
    ConnectionFailure,
    ConnectionBindFailure,
    WriteFailure,
    ReadFailure,
    UnknownReadFailure,
    ProtocolError,
    ClientError,
    ServerError,
    Error,
    DataExists,
    DataDoesNotExist,
    Notstored,
    Stored,
    Notfound,
    MemoryAllocationFailure,
    PartialRead,
    SomeErrors,
    NoServers,
    End,
    Deleted,
    Value,
    Stat,
    Item,
    Errno,
    FailUnixSocket,
    NotSupported,
    NoKeyProvided,
    FetchNotfinished,
    Timeout,
    Buffered,
    BadKeyProvided,
    InvalidHostProtocol,
    ServerMarkedDead,
    UnknownStatKey,
    E2Big,
    InvalidArguments,
    KeyTooBig,
    AuthProblem,
    AuthFailure,
    AuthContinue,
    ParseError,
    ParseUserError,
    Deprecated,
    InProgress,
    ServerTemporarilyDisabled,
    ServerMemoryAllocationFailure,
    MaximumReturn,
}

impl ReturnCode {
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
    fn texts_are_1_1_4s() {
        assert_eq!(ReturnCode::Timeout.text(), "A TIMEOUT OCCURRED");
        assert_eq!(
            ReturnCode::MaximumReturn.text(),
            "INVALID memcached_return_t"
        );
        assert!(ReturnCode::End.is_success() && !ReturnCode::Notfound.is_fatal());
    }
}
