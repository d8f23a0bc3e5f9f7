// One storage account, made the same way for each of the app's accounts: the host's own
// (AzureWebJobsStorage: keys, deployment packages, host queues, the order data), the uploads
// account (UploadsStorage: what the internet writes through SAS URLs) and any extra order
// account. Shared keys are off, so every caller authenticates with Entra ID (uploads with user
// delegation SAS URLs); HTTPS only, TLS 1.2 at least.
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

// Closed: reachable only through private endpoints (host-network.bicep); no public endpoint,
// and no trusted-service bypass.
@allowed(['Enabled', 'Disabled'])
@description('Public network access: Disabled closes the account to every network but private endpoints.')
param publicNetworkAccess string = 'Enabled'

// Copy Blob and Put Blob From URL may only copy from accounts of this scope (AAD: the same
// Entra ID tenant; PrivateLink: accounts with a private link to the same virtual network).
// Empty leaves the property unset: any source.
@allowed(['', 'AAD', 'PrivateLink'])
@description('Where server-side copies into this account may come from (allowedCopyScope); empty for anywhere.')
param allowedCopyScope string = ''

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  // checkov:skip=CKV_AZURE_35: Public network access is the publicNetworkAccess parameter: the uploads account is public by design (browsers PUT uploads with a SAS), the host's closes with vnetEnabled (docs/deploy.md). Every request still needs an Entra ID token or a user delegation SAS.
  // checkov:skip=CKV_AZURE_59: Same as CKV_AZURE_35: public network access is a parameter, and shared keys and anonymous blob access are off either way.
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
    allowedCopyScope: empty(allowedCopyScope) ? null : allowedCopyScope
    publicNetworkAccess: publicNetworkAccess
    networkAcls: (publicNetworkAccess == 'Disabled') ? {
      bypass: 'None'
      defaultAction: 'Deny'
    } : {
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
