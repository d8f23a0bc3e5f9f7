// The uploads account (UploadsStorage): what the internet writes to through upload SAS URLs,
// and the image feature's data: uploads, thumbnails, image statuses, the queue of refused
// uploads, Event Grid's dead letters. Apart from the host's account (keys, deployment
// packages, host queues), so that one can be closed to public networks (docs/deploy.md,
// "What gets created"). Made by storage.bicep, so the same keyless rules hold, with its own
// data roles for the app's identity (uploads-roles.bicep).
param name string
param location string
param tags object = {}

@description('Blob containers to create.')
param containerNames array

@description('Queues to create.')
param queueNames array

@description('Tables to create.')
param tableNames array

@description('Origins allowed to PUT uploads from a browser.')
param blobCorsAllowedOrigins array

@description('The app\'s managed identity, which gets the data roles.')
param principalId string

@description('A person or CI principal who also gets the data roles (debugging); empty for none.')
param developerPrincipalId string = ''

@allowed(['User', 'ServicePrincipal', 'Group'])
param developerPrincipalType string = 'User'

// AAD: a server-side copy into the account (Copy Blob, Put Blob From URL) may only come from an
// account of this Entra ID tenant; the upload SAS grants create and write, which would
// otherwise let a caller have storage copy any readable blob of any account in
// (docs/images.md, "What an upload SAS still allows").
module storage 'storage.bicep' = {
  name: '${name}-storage'
  params: {
    name: name
    location: location
    tags: tags
    containerNames: containerNames
    queueNames: queueNames
    tableNames: tableNames
    blobCorsAllowedOrigins: blobCorsAllowedOrigins
    allowedCopyScope: 'AAD'
    // A refused upload is deleted at once; soft delete would keep (and bill) it this long.
    deleteRetentionDays: 1
  }
}

// The data roles, each commented in uploads-roles.bicep with the trigger or client that needs it.
module appRoles 'uploads-roles.bicep' = {
  name: '${name}-app-roles'
  params: {
    storageAccountName: storage.outputs.name
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

module developerRoles 'uploads-roles.bicep' = if (!empty(developerPrincipalId)) {
  name: '${name}-developer-roles'
  params: {
    storageAccountName: storage.outputs.name
    principalId: developerPrincipalId
    principalType: developerPrincipalType
  }
}

output name string = storage.outputs.name
output id string = storage.outputs.id
output blobEndpoint string = storage.outputs.blobEndpoint
output queueEndpoint string = storage.outputs.queueEndpoint
output tableEndpoint string = storage.outputs.tableEndpoint
