"""sekisho's runtime client for Python functions: the Lambda Runtime API loop, the handler's context
object, errors shaped as AWS's Python runtime shapes them, and Lambda's logging set-up. Standard library only."""

import http.client
import importlib
import json
import logging
import os
import sys
import time
import traceback

_HERE = os.path.dirname(os.path.abspath(__file__))
# The runtime's own directory must not shadow the function's modules.
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _HERE]

_API = os.environ["AWS_LAMBDA_RUNTIME_API"]
_TELEMETRY_FD = os.environ.pop("_LAMBDA_TELEMETRY_LOG_FD", None)
_JSON_LOGS = os.environ.get("AWS_LAMBDA_LOG_FORMAT", "").upper() == "JSON"
_LEVEL = {None: "", "TRACE": "DEBUG", "WARN": "WARNING", "FATAL": "CRITICAL"}.get(
    os.environ.get("AWS_LAMBDA_LOG_LEVEL"), os.environ.get("AWS_LAMBDA_LOG_LEVEL", "")
).upper()
_UNHANDLED_WARNING = (
    "LAMBDA_WARNING: Unhandled exception. The most likely cause is an issue in the function code. However, in rare "
    "cases, a Lambda runtime update can cause unexpected function behavior. For functions using managed runtimes, "
    "runtime updates can be triggered by a function change, or can be applied automatically. To determine if the "
    "runtime has been updated, check the runtime version in the INIT_START log entry. If this error correlates with "
    "a change in the runtime version, you may be able to mitigate this error by temporarily rolling back to the "
    "previous runtime version. For more information, see https://docs.aws.amazon.com/lambda/latest/dg/runtimes-update.html"
)

_request_id = None


class _Sink:
    """Writes log records as telemetry frames: type, length, timestamp (µs), message; big-endian."""

    def __init__(self, fd):
        self._file = os.fdopen(int(fd), "wb", 0) if fd is not None else None

    def write(self, message):
        if self._file is None:
            sys.stdout.write(message)
            return
        data = message.encode("utf-8")
        header = (0xA55A0003).to_bytes(4, "big") + len(data).to_bytes(4, "big")
        self._file.write(header + int(time.time() * 1_000_000).to_bytes(8, "big") + data)


_sink = _Sink(_TELEMETRY_FD)


class _Unbuffered:
    def __init__(self, stream):
        self._stream = stream

    def __getattr__(self, name):
        return getattr(self._stream, name)

    def write(self, text):
        n = self._stream.write(text)
        self._stream.flush()
        return n

    def writelines(self, lines):
        self._stream.writelines(lines)
        self._stream.flush()


class _RequestIdFilter(logging.Filter):
    def filter(self, record):
        record.aws_request_id = _request_id or ""
        return True


_RESERVED = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"aws_request_id", "message", "asctime"}


class _JsonFormatter(logging.Formatter):
    def format(self, record):
        level = min(50, max(0, record.levelno)) // 10 * 10
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
        out = {
            "timestamp": "%s.%03dZ" % (stamp, int(record.msecs)),
            "level": logging.getLevelName(level),
            "message": record.getMessage(),
            "logger": record.name,
        }
        if record.exc_info and record.exc_info[0] is not None:
            out["stackTrace"] = traceback.format_tb(record.exc_info[2])
            out["errorType"] = record.exc_info[0].__name__
            out["errorMessage"] = str(record.exc_info[1])
        out["requestId"] = getattr(record, "aws_request_id", "")
        if record.exc_info and record.exc_info[0] is not None:
            out["location"] = "%s:%s:%s" % (record.pathname, record.funcName, record.lineno)
        for key, value in vars(record).items():
            if key not in _RESERVED and key not in out:
                out[key] = value
        return json.dumps({k: v for k, v in out.items() if v is not None}, default=str, ensure_ascii=False) + "\n"


class _Handler(logging.Handler):
    def emit(self, record):
        try:
            _sink.write(self.format(record))
        except Exception:
            self.handleError(record)


def _setup_logging():
    sys.stdout = _Unbuffered(sys.stdout)
    sys.stderr = _Unbuffered(sys.stderr)
    logging.Formatter.converter = time.gmtime
    handler = _Handler()
    if _JSON_LOGS:
        handler.setFormatter(_JsonFormatter())
    else:
        handler.setFormatter(
            logging.Formatter(
                "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n", "%Y-%m-%dT%H:%M:%S"
            )
        )
    handler.addFilter(_RequestIdFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    if _LEVEL in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
        root.setLevel(_LEVEL)


def _warn_on_version_mismatch():
    runtime = os.environ.get("AWS_EXECUTION_ENV", "").replace("AWS_Lambda_", "")
    wanted = runtime.replace("python", "")
    have = "%d.%d" % sys.version_info[:2]
    if wanted and wanted != have:
        logging.getLogger("sekisho.runtime").warning(
            "sekisho runs this %s function on Python %s (%s); behaviour may differ from AWS",
            runtime, sys.version.split()[0], sys.executable,
        )


class _Fault(Exception):
    def __init__(self, error_type, message, trace=None):
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.trace = trace


def _user_frames(tb):
    frames = traceback.extract_tb(tb)
    for i, frame in enumerate(frames):
        if os.path.abspath(frame.filename) != os.path.abspath(__file__):
            return traceback.format_list(frames[i:])
    return []


def _error(message, error_type, trace, request_id=""):
    return {"errorMessage": message or "", "errorType": error_type or "", "requestId": request_id, "stackTrace": trace or []}


def _from_exception(exc, request_id=""):
    if isinstance(exc, _Fault):
        return _error(exc.message, exc.error_type, exc.trace, request_id)
    return _error(str(exc), type(exc).__name__, _user_frames(exc.__traceback__), request_id)


def _log_error(result):
    if _JSON_LOGS:
        record = {"timestamp": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()), "level": "ERROR"}
        record.update(result)
        _sink.write(json.dumps(record, ensure_ascii=False))
        return
    head = "[ERROR]"
    if result.get("errorType"):
        head += " " + result["errorType"]
    if result.get("errorMessage"):
        head += (":" if result.get("errorType") else "") + " " + result["errorMessage"]
    lines = [head, "Traceback (most recent call last):"]
    for element in result.get("stackTrace") or []:
        for line in element.splitlines():
            stripped = line.lstrip(" ")
            lines.append("\u00a0" * (len(line) - len(stripped)) + stripped)
    _sink.write("\n".join(lines))


def _load_handler(spec):
    try:
        module_name, function_name = spec.rsplit(".", 1)
    except ValueError as e:
        raise _Fault("Runtime.MalformedHandlerName", "Bad handler '%s': %s" % (spec, e))
    if module_name.split(".")[0] in sys.builtin_module_names:
        raise _Fault("Runtime.BuiltInModuleConflict", "Cannot use built-in module %s as a handler module" % module_name)
    try:
        module = importlib.import_module(module_name.replace("/", "."))
    except ImportError as e:
        raise _Fault("Runtime.ImportModuleError", "Unable to import module '%s': %s" % (module_name, e))
    except SyntaxError as e:
        trace = ['  File "%s" Line %s\n    %s' % (e.filename, e.lineno, e.text)]
        raise _Fault("Runtime.UserCodeSyntaxError", "Syntax error in module '%s': %s" % (module_name, e), trace)
    try:
        return getattr(module, function_name)
    except AttributeError:
        raise _Fault("Runtime.HandlerNotFound", "Handler '%s' missing on module '%s'" % (function_name, module_name))


class CognitoIdentity:
    __slots__ = ["cognito_identity_id", "cognito_identity_pool_id"]


class Client:
    __slots__ = ["installation_id", "app_title", "app_version_name", "app_version_code", "app_package_name"]


class ClientContext:
    __slots__ = ["custom", "env", "client"]


def _object(cls, values):
    if values is None:
        return None
    obj = cls()
    for field in cls.__slots__:
        setattr(obj, field, values.get(field))
    return obj


class LambdaContext:
    def __init__(self, request_id, invoked_function_arn, deadline_ms, client_context, cognito_identity):
        self.aws_request_id = request_id
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.invoked_function_arn = invoked_function_arn
        self.client_context = _object(ClientContext, client_context)
        if self.client_context is not None:
            self.client_context.client = _object(Client, self.client_context.client)
        self.identity = _object(CognitoIdentity, cognito_identity or {})
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self):
        return max(self._deadline_ms - int(time.time() * 1000), 0)

    def log(self, message):
        _sink.write(str(message))

    def __repr__(self):
        return "LambdaContext([aws_request_id=%s,log_group_name=%s,log_stream_name=%s,function_name=%s,"\
            "memory_limit_in_mb=%s,function_version=%s,invoked_function_arn=%s,client_context=%s,identity=%s])" % (
                self.aws_request_id, self.log_group_name, self.log_stream_name, self.function_name,
                self.memory_limit_in_mb, self.function_version, self.invoked_function_arn, self.client_context,
                self.identity)


class _RuntimeApi:
    def __init__(self, address):
        host, _, port = address.rpartition(":")
        self._conn = http.client.HTTPConnection(host, int(port))

    def _request(self, method, path, body=None, headers=None):
        for attempt in (0, 1):
            try:
                self._conn.request(method, path, body=body, headers=headers or {})
                response = self._conn.getresponse()
                return response, response.read()
            except (ConnectionError, http.client.HTTPException):
                self._conn.close()
                if attempt:
                    raise

    def next(self):
        response, body = self._request("GET", "/2018-06-01/runtime/invocation/next")
        if response.status != 200:
            sys.exit(0)
        return response.headers, body

    def post(self, path, body, headers=None):
        self._request("POST", path, body, headers)


def _json_parse(text, name):
    try:
        return json.loads(text)
    except Exception as e:
        raise _Fault("Runtime.LambdaContextUnmarshalError", "Unable to parse %s JSON: %s" % (name, e))


def _marshal(result):
    if isinstance(result, bytes):
        return result
    ascii_only = os.environ.get("AWS_EXECUTION_ENV") != "AWS_Lambda_python3.12"

    def unknown(value):
        import decimal
        if isinstance(value, decimal.Decimal):
            return float(value)
        raise TypeError("Object of type %s is not JSON serializable" % type(value).__name__)

    try:
        return json.dumps(result, ensure_ascii=ascii_only, default=unknown).encode("utf-8")
    except Exception as e:
        raise _Fault("Runtime.MarshalError", "Unable to marshal response: %s" % e)


def _handle(api, handler, headers, body):
    global _request_id
    request_id = headers.get("Lambda-Runtime-Aws-Request-Id")
    _request_id = request_id
    trace = headers.get("Lambda-Runtime-Trace-Id")
    if trace:
        os.environ["_X_AMZN_TRACE_ID"] = trace
    else:
        os.environ.pop("_X_AMZN_TRACE_ID", None)
    try:
        client_context = headers.get("Lambda-Runtime-Client-Context")
        identity = headers.get("Lambda-Runtime-Cognito-Identity")
        context = LambdaContext(
            request_id,
            headers.get("Lambda-Runtime-Invoked-Function-Arn"),
            int(headers.get("Lambda-Runtime-Deadline-Ms") or 0),
            _json_parse(client_context, "Client Context") if client_context else None,
            _json_parse(identity, "Cognito Identity") if identity else None,
        )
        try:
            event = json.loads(body)
        except Exception as e:
            raise _Fault("Runtime.UnmarshalError", "Unable to unmarshal input: %s" % e)
        payload = _marshal(handler(event, context))
    except Exception as e:
        result = _from_exception(e, request_id)
        _log_error(result)
        api.post(
            "/2018-06-01/runtime/invocation/%s/error" % request_id,
            json.dumps(result).encode("utf-8"),
            {"Lambda-Runtime-Function-Error-Type": result["errorType"], "Content-Type": "application/json"},
        )
        return
    api.post("/2018-06-01/runtime/invocation/%s/response" % request_id, payload, {"Content-Type": "application/json"})


def main():
    api = _RuntimeApi(_API)
    try:
        _setup_logging()
        _warn_on_version_mismatch()
        handler = _load_handler(os.environ["_HANDLER"])
    except Exception as e:
        result = _from_exception(e)
        logging.warning(_UNHANDLED_WARNING)
        _log_error(result)
        api.post(
            "/2018-06-01/runtime/init/error",
            json.dumps(result).encode("utf-8"),
            {"Lambda-Runtime-Function-Error-Type": result["errorType"], "Content-Type": "application/json"},
        )
        sys.exit(1)
    while True:
        headers, body = api.next()
        _handle(api, handler, headers, body)


if __name__ == "__main__":
    main()
