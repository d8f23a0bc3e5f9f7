// The Flex Consumption (FC1) plan and the function app. Runtime, deployment storage and scale
// live in functionAppConfig; no app setting Flex Consumption refuses is set (docs/deploy.md).
param planName string
param appName string
param location string
param tags object = {}

@description('Resource id of the user-assigned identity the app runs as.')
param identityId string

@description('Client id of that identity: AzureWebJobsStorage__clientId and the telemetry auth string name it.')
param identityClientId string

param storageBlobEndpoint string
param storageQueueEndpoint string
param storageTableEndpoint string

@description('The uploads account\'s endpoints (UploadsStorage): uploads, thumbnails, image statuses.')
param uploadsBlobEndpoint string
param uploadsQueueEndpoint string
param uploadsTableEndpoint string

@minValue(1)
@description('THUMBNAIL_MAX_BYTES: the largest upload made into a thumbnail; the Event Grid filters use the same number.')
param thumbnailMaxBytes int

@description('Subnet the app joins (VNet integration; delegated to Microsoft.App/environments); empty for none.')
param virtualNetworkSubnetId string = ''

@description('Blob container that holds the deployment packages.')
param deploymentContainerName string

param applicationInsightsConnectionString string

@description('Python version (functionAppConfig.runtime.version).')
param pythonVersion string

@minValue(1)
@maxValue(1000)
param maximumInstanceCount int

@allowed([512, 2048, 4096])
param instanceMemoryMB int

@minValue(1)
@description('Concurrent HTTP requests per instance.')
param httpPerInstanceConcurrency int

@minValue(0)
@description('Always-ready instances of the http function group; 0 scales to zero.')
param alwaysReadyHttpInstances int = 0

@description('Spread instances across availability zones (only in regions that offer it for Flex Consumption).')
param zoneRedundant bool = false

@description('Share of traces the Python worker keeps, 0 to 1 (OTEL_TRACES_SAMPLER_ARG). Sampling is by trace id, so a kept order keeps its whole trace, HTTP to read model.')
param traceSamplingRatio string = '1.0'

param orderSweepSchedule string
param corsAllowedOrigins string

@secure()
param pagingTokenSecret string

@description('ORDER_EVENT_QUEUES, ORDER_STORAGE_CONNECTIONS and each extra order account\'s connection (main.bicep).')
param orderSettings array = []

@description('AUTH_ISSUER, AUTH_AUDIENCES (comma-separated), AUTH_ALLOWED_CLIENT_APPLICATIONS (comma-separated): what the app checks each token against, the same as Easy Auth (main.bicep).')
param authIssuer string
param authAudiences string
param authAllowedClientApplications string

// Every HTTP function scales together in the `http` group (per-function scaling); its
// always-ready instances are Flex Consumption's answer to cold starts.
var alwaysReady = alwaysReadyHttpInstances > 0 ? {
  alwaysReady: [
    {
      name: 'http'
      instanceCount: alwaysReadyHttpInstances
    }
  ]
} : {}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  // checkov:skip=CKV_AZURE_225: Zone redundancy is the zoneRedundant parameter, off by default because not every Flex Consumption region offers it.
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true
    zoneRedundant: zoneRedundant
  }
}

resource app 'Microsoft.Web/sites@2024-04-01' = {
  // checkov:skip=CKV_AZURE_18: HTTP/2 to the front end has no security effect here; siteConfig stays to what Microsoft's Flex Consumption templates set, since the plan refuses several siteConfig properties (docs/deploy.md).
  // checkov:skip=CKV_AZURE_67: Same as CKV_AZURE_18 (siteConfig.http20Enabled).
  // checkov:skip=CKV_AZURE_17: Callers are browsers and scripts that bring Entra ID tokens (Easy Auth, app-auth.bicep); client certificates do not apply.
  // checkov:skip=CKV_AZURE_222: A public HTTP API by design; vnetEnabled puts the app's outbound traffic in a virtual network, not its endpoint (docs/deploy.md).
  // checkov:skip=CKV_AZURE_212: Flex Consumption scales out from zero by itself; a minimum instance count would be always-ready instances, billed while idle.
  // checkov:skip=CKV_AZURE_213: The App Service health check probes every instance each minute, which a scale-to-zero Flex app does not use; /api/health serves external probes (scripts/smoke.py).
  name: appName
  location: location
  tags: tags
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // VNet integration (vnetEnabled): the app reaches the host's account through its private
    // endpoints once that account is closed to public networks.
    virtualNetworkSubnetId: empty(virtualNetworkSubnetId) ? null : virtualNetworkSubnetId
    clientCertEnabled: false
    functionAppConfig: {
      runtime: {
        name: 'python'
        version: pythonVersion
      }
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storageBlobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: union({
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
        triggers: {
          http: {
            perInstanceConcurrency: httpPerInstanceConcurrency
          }
        }
      }, alwaysReady)
    }
    siteConfig: {
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      ftpsState: 'Disabled'
      appSettings: concat([
        // Host storage and every storage client of the app, through the managed identity
        // (shared/config.py reads these as the host does).
        {
          name: 'AzureWebJobsStorage__blobServiceUri'
          value: storageBlobEndpoint
        }
        {
          name: 'AzureWebJobsStorage__queueServiceUri'
          value: storageQueueEndpoint
        }
        {
          name: 'AzureWebJobsStorage__tableServiceUri'
          value: storageTableEndpoint
        }
        {
          name: 'AzureWebJobsStorage__credential'
          value: 'managedidentity'
        }
        {
          name: 'AzureWebJobsStorage__clientId'
          value: identityClientId
        }
        // The uploads account (UploadsStorage): make_thumbnail's and reject_upload's triggers
        // and the image store, through the same identity (docs/images.md).
        {
          name: 'UploadsStorage__blobServiceUri'
          value: uploadsBlobEndpoint
        }
        {
          name: 'UploadsStorage__queueServiceUri'
          value: uploadsQueueEndpoint
        }
        {
          name: 'UploadsStorage__tableServiceUri'
          value: uploadsTableEndpoint
        }
        {
          name: 'UploadsStorage__credential'
          value: 'managedidentity'
        }
        {
          name: 'UploadsStorage__clientId'
          value: identityClientId
        }
        // Telemetry to Application Insights with an Entra ID token (local auth is off). With
        // host.json telemetryMode OpenTelemetry the host exports its own logs and spans; this
        // setting makes the Python worker configure the Azure Monitor distro too, so the app's
        // spans, logs and metrics join the host's traces (docs/operations.md).
        {
          name: 'PYTHON_APPLICATIONINSIGHTS_ENABLE_TELEMETRY'
          value: 'true'
        }
        // The distro's default sampler limits spans per second, deciding each span apart, so
        // busy invocations lose parts of their trace; a fixed percentage decides by trace id.
        {
          name: 'OTEL_TRACES_SAMPLER'
          value: 'microsoft.fixed_percentage'
        }
        {
          name: 'OTEL_TRACES_SAMPLER_ARG'
          value: traceSamplingRatio
        }
        {
          name: 'APPLICATIONINSIGHTS_CONNECTION_STRING'
          value: applicationInsightsConnectionString
        }
        {
          name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING'
          value: 'ClientId=${identityClientId};Authorization=AAD'
        }
        // The app's own settings (README, Settings).
        {
          name: 'ORDER_SWEEP_SCHEDULE'
          value: orderSweepSchedule
        }
        {
          name: 'CORS_ALLOWED_ORIGINS'
          value: corsAllowedOrigins
        }
        {
          name: 'PAGING_TOKEN_SECRET'
          value: pagingTokenSecret
        }
        // The upload limit; the Event Grid subscriptions filter on the same parameter.
        {
          name: 'THUMBNAIL_MAX_BYTES'
          value: string(thumbnailMaxBytes)
        }
        // Every route but the anonymous ones needs a caller with a token the app verifies
        // itself, against the issuer, audiences and clients Easy Auth checks too (app-auth.bicep).
        // A literal, not a parameter: on Azure it is never off (the app refuses false there).
        {
          name: 'AUTH_REQUIRED'
          value: 'true'
        }
        {
          name: 'AUTH_ISSUER'
          value: authIssuer
        }
        {
          name: 'AUTH_AUDIENCES'
          value: authAudiences
        }
        {
          name: 'AUTH_ALLOWED_CLIENT_APPLICATIONS'
          value: authAllowedClientApplications
        }
      ], orderSettings)
    }
  }
}

// Deployments (azd deploy, func azure functionapp publish) authenticate with Entra ID; the
// publishing user name and password of the SCM and FTP endpoints are switched off.
resource scmBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: app
  name: 'scm'
  properties: {
    allow: false
  }
}

resource ftpBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: app
  name: 'ftp'
  properties: {
    allow: false
  }
}

output name string = app.name
output defaultHostName string = app.properties.defaultHostName
