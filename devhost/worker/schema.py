"""The Functions host protocol's messages that devhost and Microsoft's worker library exchange,
declared field by field (`devhost.worker.protos` builds protobuf classes from it at import).

The contract is `FunctionRpc.proto` (with `shared/NullableTypes.proto` and
`identity/ClaimsIdentityRpc.proto`) of Azure/azure-functions-language-worker-protobuf (MIT),
the revision the Functions host vendors (`src/WebJobs.Script.Grpc/azure-functions-language-
worker-protobuf/`). Field numbers, types, labels and oneofs are that contract, copied one by
one; message and field names are the ones the library reads and writes. Only the messages on
devhost's path are declared, with every field they have: the library's handlers
(`azure_functions_runtime/handle_event.py`, `loader.py`, `bindings/datumdef.py`,
`bindings/nullable_converters.py`, `utils/helpers.py`, `utils/tracing.py`) touch no others.

A line is `[oneof NAME:] [repeated] TYPE name = NUMBER`; TYPE is a scalar, `map<K,V>`,
`google.protobuf.Duration`/`Timestamp`, or a message or enum declared here (nested ones as
`Outer.Inner`).
"""

from __future__ import annotations

__all__ = ["ENUMS", "MESSAGES", "PACKAGE"]

PACKAGE = "AzureFunctionsRpcMessages"

# Enums, top-level or nested (`Message.Enum`), value names in declaration order.
ENUMS: dict[str, tuple[tuple[str, int], ...]] = {
    "RpcDataType": (
        ("unknown", 0),
        ("string", 1),
        ("json", 2),
        ("bytes", 3),
        ("stream", 4),
        ("http", 5),
        ("int", 6),
        ("double", 7),
        ("collection_bytes", 8),
        ("collection_string", 9),
        ("collection_double", 10),
        ("collection_sint64", 11),
    ),
    "StatusResult.Status": (("Failure", 0), ("Success", 1), ("Cancelled", 2)),
    "FunctionEnvironmentReloadResponse.CapabilitiesUpdateStrategy": (("merge", 0), ("replace", 1)),
    "BindingInfo.Direction": (("in", 0), ("out", 1), ("inout", 2)),
    "BindingInfo.DataType": (("undefined", 0), ("string", 1), ("binary", 2), ("stream", 3)),
    "RpcLog.Level": (
        ("Trace", 0),
        ("Debug", 1),
        ("Information", 2),
        ("Warning", 3),
        ("Error", 4),
        ("Critical", 5),
        ("None", 6),
    ),
    "RpcLog.RpcLogCategory": (("User", 0), ("System", 1), ("CustomMetric", 2)),
    "RpcHttpCookie.SameSite": (("None", 0), ("Lax", 1), ("Strict", 2), ("ExplicitNone", 3)),
    "RpcRetryOptions.RetryStrategy": (("exponential_backoff", 0), ("fixed_delay", 1)),
}

MESSAGES: dict[str, tuple[str, ...]] = {
    # The envelope of every message on the stream; the proxy worker hands it to the library.
    "StreamingMessage": (
        "string request_id = 1",
        "oneof content: WorkerInitRequest worker_init_request = 17",
        "oneof content: WorkerInitResponse worker_init_response = 16",
        "oneof content: FunctionLoadRequest function_load_request = 8",
        "oneof content: FunctionLoadResponse function_load_response = 9",
        "oneof content: InvocationRequest invocation_request = 4",
        "oneof content: InvocationResponse invocation_response = 5",
        "oneof content: RpcLog rpc_log = 2",
        "oneof content: FunctionEnvironmentReloadRequest function_environment_reload_request = 25",
        "oneof content: FunctionEnvironmentReloadResponse "
        "function_environment_reload_response = 26",
        "oneof content: FunctionsMetadataRequest functions_metadata_request = 29",
        "oneof content: FunctionMetadataResponse function_metadata_response = 30",
    ),
    "WorkerInitRequest": (
        "string host_version = 1",
        "map<string,string> capabilities = 2",
        "map<string,RpcLog.Level> log_categories = 3",
        "string worker_directory = 4",
        "string function_app_directory = 5",
    ),
    "WorkerInitResponse": (
        "string worker_version = 1",
        "map<string,string> capabilities = 2",
        "StatusResult result = 3",
        "WorkerMetadata worker_metadata = 4",
    ),
    "WorkerMetadata": (
        "string runtime_name = 1",
        "string runtime_version = 2",
        "string worker_version = 3",
        "string worker_bitness = 4",
        "map<string,string> custom_properties = 5",
    ),
    "StatusResult": (
        "StatusResult.Status status = 4",
        "string result = 1",
        "RpcException exception = 2",
        "repeated RpcLog logs = 3",
    ),
    "FunctionEnvironmentReloadRequest": (
        "map<string,string> environment_variables = 1",
        "string function_app_directory = 2",
    ),
    "FunctionEnvironmentReloadResponse": (
        "WorkerMetadata worker_metadata = 1",
        "map<string,string> capabilities = 2",
        "StatusResult result = 3",
        "FunctionEnvironmentReloadResponse.CapabilitiesUpdateStrategy "
        "capabilities_update_strategy = 4",
    ),
    "FunctionLoadRequest": (
        "string function_id = 1",
        "RpcFunctionMetadata metadata = 2",
        "bool managed_dependency_enabled = 3",
    ),
    "FunctionLoadResponse": (
        "string function_id = 1",
        "StatusResult result = 2",
        "bool is_dependency_downloaded = 3",
    ),
    "RpcFunctionMetadata": (
        "string name = 4",
        "string directory = 1",
        "string script_file = 2",
        "string entry_point = 3",
        "map<string,BindingInfo> bindings = 6",
        "bool is_proxy = 7",
        "StatusResult status = 8",
        "string language = 9",
        "repeated string raw_bindings = 10",
        "string function_id = 13",
        "bool managed_dependency_enabled = 14",
        "RpcRetryOptions retry_options = 15",
        "map<string,string> properties = 16",
    ),
    "FunctionsMetadataRequest": ("string function_app_directory = 1",),
    "FunctionMetadataResponse": (
        "repeated RpcFunctionMetadata function_metadata_results = 1",
        "StatusResult result = 2",
        "bool use_default_metadata_indexing = 3",
    ),
    "InvocationRequest": (
        "string invocation_id = 1",
        "string function_id = 2",
        "repeated ParameterBinding input_data = 3",
        "map<string,TypedData> trigger_metadata = 4",
        "RpcTraceContext trace_context = 5",
        "RetryContext retry_context = 6",
    ),
    "RpcTraceContext": (
        "string trace_parent = 1",
        "string trace_state = 2",
        "map<string,string> attributes = 3",
    ),
    "RetryContext": (
        "int32 retry_count = 1",
        "int32 max_retry_count = 2",
        "RpcException exception = 3",
    ),
    "InvocationResponse": (
        "string invocation_id = 1",
        "repeated ParameterBinding output_data = 2",
        "TypedData return_value = 4",
        "StatusResult result = 3",
    ),
    "TypedData": (
        "oneof data: string string = 1",
        "oneof data: string json = 2",
        "oneof data: bytes bytes = 3",
        "oneof data: bytes stream = 4",
        "oneof data: RpcHttp http = 5",
        "oneof data: sint64 int = 6",
        "oneof data: double double = 7",
        "oneof data: CollectionBytes collection_bytes = 8",
        "oneof data: CollectionString collection_string = 9",
        "oneof data: CollectionDouble collection_double = 10",
        "oneof data: CollectionSInt64 collection_sint64 = 11",
        "oneof data: ModelBindingData model_binding_data = 12",
        "oneof data: CollectionModelBindingData collection_model_binding_data = 13",
    ),
    "RpcSharedMemory": (
        "string name = 1",
        "int64 offset = 2",
        "int64 count = 3",
        "RpcDataType type = 4",
    ),
    "CollectionString": ("repeated string string = 1",),
    "CollectionBytes": ("repeated bytes bytes = 1",),
    "CollectionDouble": ("repeated double double = 1",),
    "CollectionSInt64": ("repeated sint64 sint64 = 1",),
    "ParameterBinding": (
        "string name = 1",
        "oneof rpc_data: TypedData data = 2",
        "oneof rpc_data: RpcSharedMemory rpc_shared_memory = 3",
    ),
    "BindingInfo": (
        "string type = 2",
        "BindingInfo.Direction direction = 3",
        "BindingInfo.DataType data_type = 4",
        "map<string,string> properties = 5",
    ),
    "RpcLog": (
        "string invocation_id = 1",
        "string category = 2",
        "RpcLog.Level level = 3",
        "string message = 4",
        "string event_id = 5",
        "RpcException exception = 6",
        "string properties = 7",
        "RpcLog.RpcLogCategory log_category = 8",
        "map<string,TypedData> propertiesMap = 9",
    ),
    "RpcException": (
        "string source = 3",
        "string stack_trace = 1",
        "string message = 2",
        "bool is_user_exception = 4",
        "string type = 5",
    ),
    "RpcHttpCookie": (
        "string name = 1",
        "string value = 2",
        "NullableString domain = 3",
        "NullableString path = 4",
        "NullableTimestamp expires = 5",
        "NullableBool secure = 6",
        "NullableBool http_only = 7",
        "RpcHttpCookie.SameSite same_site = 8",
        "NullableDouble max_age = 9",
    ),
    "RpcHttp": (
        "string method = 1",
        "string url = 2",
        "map<string,string> headers = 3",
        "TypedData body = 4",
        "map<string,string> params = 10",
        "string status_code = 12",
        "map<string,string> query = 15",
        "bool enable_content_negotiation = 16",
        "TypedData rawBody = 17",
        "repeated RpcClaimsIdentity identities = 18",
        "repeated RpcHttpCookie cookies = 19",
        "map<string,NullableString> nullable_headers = 20",
        "map<string,NullableString> nullable_params = 21",
        "map<string,NullableString> nullable_query = 22",
    ),
    "ModelBindingData": (
        "string version = 1",
        "string source = 2",
        "string content_type = 3",
        "bytes content = 4",
    ),
    "CollectionModelBindingData": ("repeated ModelBindingData model_binding_data = 1",),
    "RpcRetryOptions": (
        "int32 max_retry_count = 2",
        "google.protobuf.Duration delay_interval = 3",
        "google.protobuf.Duration minimum_interval = 4",
        "google.protobuf.Duration maximum_interval = 5",
        "RpcRetryOptions.RetryStrategy retry_strategy = 6",
    ),
    # identity/ClaimsIdentityRpc.proto
    "RpcClaimsIdentity": (
        "NullableString authentication_type = 1",
        "NullableString name_claim_type = 2",
        "NullableString role_claim_type = 3",
        "repeated RpcClaim claims = 4",
    ),
    "RpcClaim": ("string value = 1", "string type = 2"),
    # shared/NullableTypes.proto: each a oneof of one field, so "unset" differs from "empty".
    "NullableString": ("oneof string: string value = 1",),
    "NullableDouble": ("oneof double: double value = 1",),
    "NullableBool": ("oneof bool: bool value = 1",),
    "NullableTimestamp": ("oneof timestamp: google.protobuf.Timestamp value = 1",),
}
