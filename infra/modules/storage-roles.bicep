// Data-plane roles on the storage account for one principal: the app's managed identity, and
// optionally a developer. Shared keys are off, so these roles are the only way in.
param storageAccountName string
param principalId string

@allowed(['User', 'ServicePrincipal', 'Group'])
param principalType string

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

var roles = [
  // Storage Blob Data Owner. Host: keys in azure-webjobs-secrets, timer and singleton locks
  // in azure-webjobs-hosts (Microsoft names Owner for host storage). Flex Consumption: reads
  // the deployment package. make_thumbnail (blob trigger): reads uploads. The image store:
  // writes thumbnails, and requests the user delegation key that signs POST /api/images
  // upload URLs (generateUserDelegationKey).
  'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  // Storage Queue Data Contributor. process_order_event (queue trigger) on order-events and
  // its poison queue; the change-feed publisher's sends and dead-letters; make_thumbnail's
  // host queue azure-webjobs-blobtrigger-<host id>, where the Event Grid webhook enqueues
  // work, and webjobs-blobtrigger-poison.
  '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  // Storage Table Data Contributor. Every table client: orders, idempotency keys, read
  // models, image statuses. Host: diagnostic events (AzureFunctionsDiagnosticEvents*).
  '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
]

// One assignment per role above, scoped to the storage account.
resource assignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for role in roles: {
  name: guid(account.id, principalId, role)
  scope: account
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role)
    principalId: principalId
    principalType: principalType
  }
}]
