// The one storage account: the Functions host's own storage (AzureWebJobsStorage), the
// deployment packages, and the app's tables, queues and blobs. Shared keys are off, so every
// caller authenticates with Entra ID; uploads use user delegation SAS URLs.
param name string
param location string
param tags object = {}

@description('Blob containers to create.')
param containerNames array

@description('Queues to create.')
param queueNames array

@description('Tables to create.')
param tableNames array

@description('Origins allowed to PUT uploads from a browser; empty for no blob CORS rule.')
param blobCorsAllowedOrigins array = []

@allowed(['Standard_LRS', 'Standard_ZRS', 'Standard_GRS', 'Standard_RAGRS'])
@description('Replication. LRS is the cheapest; ZRS survives a zone outage.')
param skuName string = 'Standard_LRS'

@minValue(1)
@maxValue(365)
@description('Days a deleted blob or container can be restored.')
param deleteRetentionDays int = 7

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  // checkov:skip=CKV_AZURE_35: The endpoint is public by design (browsers PUT uploads with a SAS; no virtual network in this template, see docs/deploy.md). Every request still needs an Entra ID token or a user delegation SAS.
  // checkov:skip=CKV_AZURE_59: Same as CKV_AZURE_35: a public endpoint, with shared keys and anonymous blob access off.
  // checkov:skip=CKV_AZURE_206: Replication is the skuName parameter; LRS is the cost-conscious default for a sample (ZRS or GRS for production).
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: skuName
  }
  properties: {
    accessTier: 'Hot'
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: 'Allow'
    }
    // Our SAS URLs live 15 minutes; anything signed for longer is logged.
    sasPolicy: {
      sasExpirationPeriod: '0.01:00:00'
      expirationAction: 'Log'
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: account
  name: 'default'
  properties: {
    deleteRetentionPolicy: {
      enabled: true
      days: deleteRetentionDays
    }
    containerDeleteRetentionPolicy: {
      enabled: true
      days: deleteRetentionDays
    }
    cors: {
      corsRules: empty(blobCorsAllowedOrigins) ? [] : [
        {
          allowedOrigins: blobCorsAllowedOrigins
          allowedMethods: ['PUT', 'OPTIONS']
          allowedHeaders: ['content-type', 'x-ms-blob-type', 'x-ms-version', 'x-ms-date', 'x-ms-client-request-id']
          exposedHeaders: ['etag', 'x-ms-request-id']
          maxAgeInSeconds: 600
        }
      ]
    }
  }
}

resource containers 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = [for container in containerNames: {
  parent: blobService
  name: container
  properties: {
    publicAccess: 'None'
  }
}]

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' = {
  parent: account
  name: 'default'
}

resource queues 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = [for queue in queueNames: {
  parent: queueService
  name: queue
}]

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2023-05-01' = {
  parent: account
  name: 'default'
}

resource tables 'Microsoft.Storage/storageAccounts/tableServices/tables@2023-05-01' = [for table in tableNames: {
  parent: tableService
  name: table
}]

output name string = account.name
output id string = account.id
output blobEndpoint string = account.properties.primaryEndpoints.blob
output queueEndpoint string = account.properties.primaryEndpoints.queue
output tableEndpoint string = account.properties.primaryEndpoints.table
