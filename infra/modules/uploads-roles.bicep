// Data-plane roles on the uploads account for one principal: the app's managed identity, and
// optionally a developer. Fewer than on the host's account: nothing here needs Blob Data Owner.
param storageAccountName string
param principalId string

@allowed(['User', 'ServicePrincipal', 'Group'])
param principalType string

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

var roles = [
  // Storage Blob Data Contributor. make_thumbnail (blob trigger): reads uploads. The image
  // store: writes thumbnails, deletes refused uploads (reject_upload), and requests the user
  // delegation key that signs upload and thumbnail URLs (generateUserDelegationKey). Owner
  // would add only ACL management, which an account without a hierarchical namespace lacks.
  'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
  // Storage Queue Data Contributor. reject_upload (queue trigger) on uploads-rejected and its
  // poison queue; make_thumbnail's poison queue webjobs-blobtrigger-poison, which the blobs
  // extension keeps in the blob's account.
  '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  // Storage Table Data Contributor. The image store's ImageStatus table.
  '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
]

// One assignment per role above, scoped to the uploads account.
resource assignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for role in roles: {
  name: guid(account.id, principalId, role)
  scope: account
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role)
    principalId: principalId
    principalType: principalType
  }
}]
