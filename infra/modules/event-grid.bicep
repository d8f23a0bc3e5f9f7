// The Event Grid system topic of the storage account. Its subscription, BlobCreated in
// `uploads` to make_thumbnail's blobs extension webhook, needs the blobs_extension system key,
// which exists only once the code runs: the postdeploy hook (scripts/postdeploy.sh, .ps1)
// creates it. The topic's own identity writes events that could not be delivered to a
// dead-letter container.
param name string
param location string
param tags object = {}
param storageAccountName string
param deadLetterContainerName string

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' existing = {
  parent: account
  name: 'default'
}

resource deadLetterContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' existing = {
  parent: blobService
  name: deadLetterContainerName
}

resource topic 'Microsoft.EventGrid/systemTopics@2022-06-15' = {
  name: name
  location: location
  tags: tags
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    source: account.id
    topicType: 'Microsoft.Storage.StorageAccounts'
  }
}

var storageBlobDataContributor = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'

// Storage Blob Data Contributor on the dead-letter container only, for the topic's identity:
// the subscription dead-letters with it (deadLetterWithResourceIdentity); shared keys are off.
resource deadLetterWriter 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(deadLetterContainer.id, topic.id, storageBlobDataContributor)
  scope: deadLetterContainer
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataContributor)
    principalId: topic.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

output name string = topic.name
