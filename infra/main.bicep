// Everything `azd up` provisions: a Flex Consumption function app that reaches its storage
// accounts (the host's, and the uploads account the internet writes to), Application Insights
// and Event Grid with a user-assigned managed identity, and no key anywhere; optionally in a
// virtual network that closes the host's account to public networks (vnetEnabled). docs/deploy.md explains each resource, role and setting; tests/deploy checks
// this template against the code offline.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('azd environment name; it names the resource group and tags every resource.')
param environmentName string

@minLength(1)
@description('Region of every resource. It must offer the Flex Consumption plan.')
@metadata({ azd: { type: 'location' } })
param location string

@description('Resource group to create; empty for rg-<environmentName>.')
param resourceGroupName string = ''

@maxLength(32)
@description('Function app name; empty for a generated one. At most 32 characters, so that the host id (the lower-cased name) is the name itself and the blob trigger queue below is known in advance.')
param functionAppName string = ''

// The one place the Python version is set (docs/deploy.md, "Python version": why 3.13).
@allowed(['3.11', '3.12', '3.13'])
@description('Python version of the Flex Consumption runtime (functionAppConfig.runtime).')
param pythonVersion string = '3.13'

// 40: past about 28 HTTP instances one storage account is the limit, not compute (one instance
// serves about 140 orders/s at the concurrency below, an account about 3,800 orders/s at 5.2
// requests per order created with an Idempotency-Key, as clients call), plus the consumer's, the blob trigger's and the timers' instances;
// docs/deploy.md, "Scale settings", derives it. Raise it with the order accounts (capacity.md).
@minValue(1)
@maxValue(1000)
@description('Most instances the app may scale out to: about what saturates one storage account (docs/deploy.md, "Scale settings").')
param maximumInstanceCount int = 40

@allowed([512, 2048, 4096])
@description('Memory of each instance, in MB.')
param instanceMemoryMB int = 2048

// Measured (bench.http_concurrency, docs/benchmarks.md): the app's HTTP functions are all
// async, so one instance serves 16 requests at once at 1.6x the orders/s of 1 (the platform's
// default for Python), p95 under 200 ms, memory flat; 32 adds little and doubles the p95.
@minValue(1)
@maxValue(1000)
@description('Concurrent HTTP requests per instance (functionAppConfig.scaleAndConcurrency.triggers.http.perInstanceConcurrency).')
param httpPerInstanceConcurrency int = 16

@minValue(0)
@maxValue(1000)
@description('Always-ready instances of the http function group (billed while idle: docs/deploy.md, "Scale settings"); 0 scales to zero.')
param alwaysReadyHttpInstances int = 0

@description('Spread the plan across availability zones (only where Flex Consumption offers it).')
param zoneRedundant bool = false

// Scale past one queue and one storage account (docs/scaling.md, docs/capacity.md). Changing
// either moves orders or events to other places: choose them before the first order.
@minValue(1)
@maxValue(64)
@description('Queues the change feed is spread over (ORDER_EVENT_QUEUES); each has a function of its own. 1 keeps the queue order-events.')
param orderEventQueues int = 1

@minValue(1)
@maxValue(32)
@description('Storage accounts for orders, read models and event queues (ORDER_STORAGE_CONNECTIONS). 1 keeps everything in the host\'s account.')
param orderStorageAccounts int = 1

@description('NCRONTAB schedule of nightly_sweep (six fields, UTC).')
param orderSweepSchedule string = '0 0 2 * * *'

@description('Comma-separated origins allowed to call the API from a browser (CORS_ALLOWED_ORIGINS).')
param corsAllowedOrigins string = ''

@description('Comma-separated origins, besides the app itself, whose pages may PUT uploads straight to the blob service (blob CORS rules; BLOB_CORS_ALLOWED_ORIGINS).')
param blobCorsAllowedOrigins string = ''

@secure()
@minLength(32)
@description('Key that signs continuation tokens (PAGING_TOKEN_SECRET). azd generates it once per environment and keeps it.')
@metadata({ azd: { type: 'generate', config: { length: 48, noSpecial: true } } })
param pagingTokenSecret string

@description('Object id of a person (or CI principal) to grant the storage data roles, for debugging with Storage Explorer or az --auth-mode login. Empty grants nothing.')
param developerPrincipalId string = ''

@allowed(['User', 'ServicePrincipal', 'Group'])
@description('Kind of principal developerPrincipalId is.')
param developerPrincipalType string = 'User'

@description('Name of the blob-triggered function the Event Grid subscription delivers to.')
param thumbnailFunctionName string = 'make_thumbnail'

// One number for the app (THUMBNAIL_MAX_BYTES) and for Event Grid's filters: larger uploads go
// to reject_upload's queue and are never read (docs/images.md, "Oversized uploads").
@minValue(1)
@description('Largest upload, in bytes, made into a thumbnail (THUMBNAIL_MAX_BYTES); Event Grid sends larger ones to reject_upload unread.')
param thumbnailMaxBytes int = 52428800

// Off by default: three private endpoints and their DNS zones cost about $23 a month before any
// traffic, more than everything else of an idle deployment (docs/deploy.md, "Private networking").
@description('Put the app in a virtual network and close the host\'s storage account to public networks (private endpoints for blob, queue and table).')
param vnetEnabled bool = false

@minLength(36)
@maxLength(36)
@description('Application (client) id of the Entra ID app registration that callers get tokens for. The preprovision hook (scripts/app_registration.py) creates the registration and sets AZURE_AUTH_CLIENT_ID.')
param authClientId string

@description('Client ids of the applications allowed to call the API besides the registration itself, comma-separated: a shop front end, a back-office tool, a daemon (AZURE_AUTH_ALLOWED_CLIENT_APPLICATIONS). Easy Auth (allowedApplications) and the app (AUTH_ALLOWED_CLIENT_APPLICATIONS) refuse any other client with 403.')
param authAllowedClientApplications string = ''

@description('Let the Azure CLI call the API with the signed-in user\'s token (az account get-access-token), for dev environments only (AZURE_AUTH_ALLOW_AZURE_CLI): allowed here, and pre-authorized by the preprovision hook.')
param authAllowAzureCli bool = false

// Who may call, one list for both locks (docs/security.md, "Trust"): tokens of this tenant's v2
// issuer, for the registration (its client id or api:// URI), obtained by an allowed client:
// the registration itself (a daemon's client-credentials token), those listed, and the Azure
// CLI only when opted in. Easy Auth checks them (app-auth.bicep), and so does the app.
var authIssuer = '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'
var authAudiences = [authClientId, 'api://${authClientId}']
var azureCliClientId = '04b07795-8ddb-461a-bbee-02f9e1bf7b46'
var listedClientApplications = empty(authAllowedClientApplications) ? [] : split(replace(authAllowedClientApplications, ' ', ''), ',')
var allowedClientApplications = union([authClientId], listedClientApplications, authAllowAzureCli ? [azureCliClientId] : [])

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }
var appName = !empty(functionAppName) ? toLower(functionAppName) : 'func-${resourceToken}'
// The host id is the app name lower-cased (at most 32 characters, see functionAppName).
var hostId = appName
var deploymentContainer = 'app-package-${take(resourceToken, 7)}'
var uploadsContainer = 'uploads'
var deadLetterContainer = 'eventgrid-deadletter'
var rejectedUploadsQueue = 'uploads-rejected' // reject_upload's queue
// The data.api values of an upload (shared.images.rejections.UPLOAD_APIS): Put Blob, Put Block List.
var uploadApis = [
  'PutBlob'
  'PutBlockList'
]
// The upload page (GET /api/upload) is served by the app, so the app's own origin may always
// PUT uploads to storage. The default host name is <app>.azurewebsites.net (the app does not
// opt into unique default host names); other origins come from blobCorsAllowedOrigins.
var appOrigin = 'https://${appName}.azurewebsites.net'
var extraBlobCorsOrigins = empty(blobCorsAllowedOrigins) ? [] : split(replace(blobCorsAllowedOrigins, ' ', ''), ',')
var blobCorsOrigins = union([appOrigin], extraBlobCorsOrigins)
// The order accounts' connections: the host's own first, then OrdersStorage<k>, each set
// below from its account, identity-based like AzureWebJobsStorage (shared/config.py reads
// them as the host does; queue i's trigger binds to the connection of account i mod K).
var extraOrderConnections = [for k in range(1, orderStorageAccounts - 1): 'OrdersStorage${k}']
var orderConnectionSuffixes = ['blobServiceUri', 'queueServiceUri', 'tableServiceUri', 'credential', 'clientId']
var extraOrderConnectionSettings = [for j in range(0, (orderStorageAccounts - 1) * 5): {
  name: 'OrdersStorage${j / 5 + 1}__${orderConnectionSuffixes[j % 5]}'
  value: [
    orderAccounts[j / 5].outputs.blobEndpoint
    orderAccounts[j / 5].outputs.queueEndpoint
    orderAccounts[j / 5].outputs.tableEndpoint
    'managedidentity'
    identity.outputs.clientId
  ][j % 5]
}]
var orderSettings = concat([
  {
    name: 'ORDER_EVENT_QUEUES'
    value: string(orderEventQueues)
  }
  {
    name: 'ORDER_STORAGE_CONNECTIONS'
    value: join(concat(['AzureWebJobsStorage'], extraOrderConnections), ',')
  }
], extraOrderConnectionSettings)

// Every table, queue and container the app and the Functions host use, pre-created so that
// nothing depends on create-on-first-use. tests/deploy/test_consistency.py derives the same
// lists from the code and fails when this template misses one.
var storageTables = [
  'Orders' // Settings.orders_table: orders, their outbox and index rows
  'OrdersByCustomer' // Settings.customer_orders_table: read model
  'OrderSummary' // Settings.order_summary_table: daily report tallies
]
var storageQueues = [
  'order-events' // ORDER_EVENTS_QUEUE: the change feed (process_order_event)
  'order-events-poison' // where the host parks it after maxDequeueCount, and where the app dead-letters
  'azure-webjobs-blobtrigger-${hostId}' // the blob trigger's host queue (the Event Grid webhook enqueues here)
]
// The uploads account's (UploadsStorage): the image feature's data, apart from the host's.
var uploadsTables = [
  'ImageStatus' // shared.bootstrap.IMAGE_STATUS_TABLE: one status row per upload
]
var uploadsQueues = [
  rejectedUploadsQueue // reject_upload: what Event Grid does not send make_thumbnail
  'uploads-rejected-poison' // where the host parks reject_upload's messages after maxDequeueCount
  'webjobs-blobtrigger-poison' // make_thumbnail's poison queue (the extension keeps it in the blob's account)
]
var uploadsContainers = [
  uploadsContainer // make_thumbnail's trigger path uploads/{name}; POST /api/images signs PUTs to it
  'thumbnails' // thumbnails written by make_thumbnail
  deadLetterContainer // Event Grid deliveries that failed for good
]
// The paths Easy Auth serves without a token (globalValidation.excludedPaths), matched exactly,
// so each file of the upload page is listed. Every other path needs an Entra ID token.
// tests/deploy/test_app_auth.py derives the same list from the app's anonymous routes and its
// Event Grid blob trigger, and holds pyproject.toml's copy (devhost --easy-auth) to it.
var anonymousPaths = [
  '/api/health' // health: probes and the postdeploy hook's wake-up call
  '/api/openapi.json' // the OpenAPI document
  '/api/upload' // the upload page (GET /api/upload/{file?}) and its two files
  '/api/upload/upload.js'
  '/api/upload/upload.css'
  '/runtime/webhooks/blobs' // Event Grid -> make_thumbnail; locked by the blobs_extension key in its URL
]
var storageContainers = [
  'azure-webjobs-hosts' // host: timer schedule status and singleton locks
  'azure-webjobs-secrets' // host: function and system keys (blobs_extension among them)
  deploymentContainer // Flex Consumption deployment packages
]

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: !empty(resourceGroupName) ? resourceGroupName : 'rg-${environmentName}'
  location: location
  tags: tags
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: 'id-${resourceToken}'
    location: location
    tags: tags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: 'log-${resourceToken}'
    applicationInsightsName: 'appi-${resourceToken}'
    location: location
    tags: tags
  }
}

// The host's account: keys, deployment packages, host queues and the order data. Nothing the
// internet writes to, so vnetEnabled can close it (private endpoints below).
module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: 'st${resourceToken}'
    location: location
    tags: tags
    containerNames: storageContainers
    queueNames: storageQueues
    tableNames: storageTables
    publicNetworkAccess: vnetEnabled ? 'Disabled' : 'Enabled'
  }
}

// The uploads account, public by design: browsers PUT uploads to it with SAS URLs.
module uploads 'modules/uploads-account.bicep' = {
  name: 'uploads'
  scope: rg
  params: {
    name: 'st${resourceToken}up'
    location: location
    tags: tags
    containerNames: uploadsContainers
    queueNames: uploadsQueues
    tableNames: uploadsTables
    blobCorsAllowedOrigins: blobCorsOrigins
    principalId: identity.outputs.principalId
    developerPrincipalId: developerPrincipalId
    developerPrincipalType: developerPrincipalType
  }
}

module virtualNetwork 'modules/virtual-network.bicep' = if (vnetEnabled) {
  name: 'virtual-network'
  scope: rg
  params: {
    name: 'vnet-${resourceToken}'
    location: location
    tags: tags
  }
}

// The host's account reached only through these once vnetEnabled closes it.
module hostPrivateEndpoints 'modules/storage-private-endpoints.bicep' = if (vnetEnabled) {
  name: 'host-private-endpoints'
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    location: location
    tags: tags
    virtualNetworkId: vnetEnabled ? virtualNetwork.outputs.id : ''
    subnetId: vnetEnabled ? virtualNetwork.outputs.privateEndpointsSubnetId : ''
  }
}

module appStorageRoles 'modules/storage-roles.bicep' = {
  name: 'app-storage-roles'
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    principalId: identity.outputs.principalId
    principalType: 'ServicePrincipal'
  }
}

module appMonitoringRole 'modules/monitoring-role.bicep' = {
  name: 'app-monitoring-role'
  scope: rg
  params: {
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    principalId: identity.outputs.principalId
  }
}

module developerStorageRoles 'modules/storage-roles.bicep' = if (!empty(developerPrincipalId)) {
  name: 'developer-storage-roles'
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    principalId: developerPrincipalId
    principalType: developerPrincipalType
  }
}

// With several event queues, those of the host's account (queue i where i mod K is 0).
module primaryEventQueues 'modules/event-queues.bicep' = {
  name: 'event-queues'
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    accountIndex: 0
    accounts: orderStorageAccounts
    queues: orderEventQueues
  }
}

// Order accounts 1..K-1, each made and locked down like the host's, with the same roles.
module orderAccounts 'modules/order-account.bicep' = [for k in range(1, orderStorageAccounts - 1): {
  name: 'order-account-${k}'
  scope: rg
  params: {
    name: 'st${resourceToken}o${k}'
    location: location
    tags: tags
    accountIndex: k
    accounts: orderStorageAccounts
    queues: orderEventQueues
    tableNames: storageTables
    principalId: identity.outputs.principalId
  }
}]

module functionApp 'modules/function-app.bicep' = {
  name: 'function-app'
  scope: rg
  params: {
    planName: 'plan-${resourceToken}'
    appName: appName
    location: location
    tags: union(tags, { 'azd-service-name': 'api' })
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageBlobEndpoint: storage.outputs.blobEndpoint
    storageQueueEndpoint: storage.outputs.queueEndpoint
    storageTableEndpoint: storage.outputs.tableEndpoint
    uploadsBlobEndpoint: uploads.outputs.blobEndpoint
    uploadsQueueEndpoint: uploads.outputs.queueEndpoint
    uploadsTableEndpoint: uploads.outputs.tableEndpoint
    thumbnailMaxBytes: thumbnailMaxBytes
    virtualNetworkSubnetId: vnetEnabled ? virtualNetwork.outputs.appSubnetId : ''
    deploymentContainerName: deploymentContainer
    applicationInsightsConnectionString: monitoring.outputs.connectionString
    pythonVersion: pythonVersion
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    httpPerInstanceConcurrency: httpPerInstanceConcurrency
    alwaysReadyHttpInstances: alwaysReadyHttpInstances
    zoneRedundant: zoneRedundant
    orderSweepSchedule: orderSweepSchedule
    corsAllowedOrigins: corsAllowedOrigins
    pagingTokenSecret: pagingTokenSecret
    orderSettings: orderSettings
    authIssuer: authIssuer
    authAudiences: join(authAudiences, ',')
    authAllowedClientApplications: join(allowedClientApplications, ',')
  }
  // The host starts as soon as the app exists: its identity must already hold the data roles,
  // and with vnetEnabled the host's account must be reachable through its private endpoints.
  dependsOn: [
    appStorageRoles
    appMonitoringRole
    primaryEventQueues
    orderAccounts
    uploads
    hostPrivateEndpoints
  ]
}

// Easy Auth on the app, for tokens of the app registration made by the preprovision hook.
module appAuth 'modules/app-auth.bicep' = {
  name: 'app-auth'
  scope: rg
  params: {
    appName: functionApp.outputs.name
    clientId: authClientId
    openIdIssuer: authIssuer
    allowedAudiences: authAudiences
    allowedApplications: allowedClientApplications
    excludedPaths: anonymousPaths
  }
}

// On the uploads account: its BlobCreated events, filtered by size and by how the blob was made.
module eventGrid 'modules/event-grid.bicep' = {
  name: 'event-grid'
  scope: rg
  params: {
    name: 'evgt-${resourceToken}'
    location: location
    tags: tags
    storageAccountName: uploads.outputs.name
    deadLetterContainerName: deadLetterContainer
    uploadsContainerName: uploadsContainer
    rejectedQueueName: rejectedUploadsQueue
    maxUploadBytes: thumbnailMaxBytes
    uploadApis: uploadApis
  }
}

// --- Watching it: alerts, their action group and the workbook (docs/operations.md) ---------
// On by default. Every query is a file of infra/queries/ (loaded by the modules), so the
// alerts, the workbook and the docs read one text; tests/deploy/test_monitoring.py checks it.

@description('E-mail address the alerts notify (the action group\'s one receiver, ALERT_EMAIL_ADDRESS). Empty: no receiver; the alerts still fire and show in the portal.')
param alertEmailAddress string = ''

@description('Turn the alert rules on (they are deployed either way).')
param alertsEnabled bool = true

// Every order account: the host's own (index 0) and order accounts 1..K-1.
var extraOrderAccountNames = [for k in range(0, orderStorageAccounts - 1): orderAccounts[k].outputs.name]
var orderAccountNames = concat([storage.outputs.name], extraOrderAccountNames)

module actionGroup 'modules/action-group.bicep' = {
  name: 'action-group'
  scope: rg
  params: {
    name: 'ag-${resourceToken}'
    tags: tags
    emailAddress: alertEmailAddress
  }
}

module alerts 'modules/alerts.bicep' = {
  name: 'alerts'
  scope: rg
  params: {
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    location: location
    tags: tags
    actionGroupId: actionGroup.outputs.id
    enabled: alertsEnabled
  }
}

// One throttling alert per order account (storage throttling is per account).
module storageThrottlingAlerts 'modules/storage-throttling-alert.bicep' = [for k in range(0, orderStorageAccounts): {
  name: 'storage-throttling-alert-${k}'
  scope: rg
  params: {
    storageAccountName: orderAccountNames[k]
    tags: tags
    actionGroupId: actionGroup.outputs.id
    enabled: alertsEnabled
  }
}]

module workbook 'modules/workbook.bicep' = {
  name: 'workbook'
  scope: rg
  params: {
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    location: location
    tags: tags
  }
}

// The workbook in the portal (docs/operations.md links to it the same way).
output WORKBOOK_URL string = workbook.outputs.portalUrl

// azd keeps these in the environment (`azd env get-values`); the postdeploy hook and
// scripts/smoke.py read them.
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output SERVICE_API_URI string = 'https://${functionApp.outputs.defaultHostName}'
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_STORAGE_ACCOUNT_ID string = storage.outputs.id
output UPLOADS_STORAGE_ACCOUNT_NAME string = uploads.outputs.name
output UPLOADS_STORAGE_ACCOUNT_ID string = uploads.outputs.id
// The postdeploy hook filters make_thumbnail's subscription with these, as event-grid.bicep
// filters the others.
output THUMBNAIL_MAX_BYTES int = thumbnailMaxBytes
output UPLOAD_APIS string = string(uploadApis)
output EVENT_GRID_SYSTEM_TOPIC_NAME string = eventGrid.outputs.name
output UPLOADS_CONTAINER_NAME string = uploadsContainer
output EVENT_GRID_DEAD_LETTER_CONTAINER_NAME string = deadLetterContainer
output THUMBNAIL_FUNCTION_NAME string = thumbnailFunctionName
// What scripts/smoke.py asks a token for, the clients whose tokens are accepted, and the origin
// whose preflight it checks.
output AZURE_AUTH_CLIENT_ID string = authClientId
output AZURE_AUTH_ALLOWED_CLIENTS string = join(allowedClientApplications, ',')
output CORS_ALLOWED_ORIGINS string = corsAllowedOrigins
