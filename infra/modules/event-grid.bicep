// The Event Grid system topic of the uploads account, and the subscriptions that bound what an
// upload may cost before any byte of it is read (docs/images.md, "Oversized uploads"):
// - make_thumbnail's own, BlobCreated in `uploads` up to maxUploadBytes made by Put Blob or Put
//   Block List, to the blobs extension webhook. It needs the blobs_extension system key, which
//   exists only once the code runs: the postdeploy hook (scripts/postdeploy.sh, .ps1) makes it
//   with the same filters, from the THUMBNAIL_MAX_BYTES output;
// - the two below, every other BlobCreated in `uploads` (over the limit, or made otherwise) to
//   the storage queue that reject_upload reads. A queue needs no key, so they live here.
// The topic's own identity sends to that queue and writes events it could not deliver to a
// dead-letter container, both in the uploads account (shared keys are off).
param name string
param location string
param tags object = {}
param storageAccountName string
param deadLetterContainerName string
param uploadsContainerName string

@description('The queue reject_upload reads.')
param rejectedQueueName string

@minValue(1)
@description('Largest upload, in bytes, that make_thumbnail is sent (THUMBNAIL_MAX_BYTES).')
param maxUploadBytes int

@description('The data.api values of an upload (Put Blob, Put Block List): anything else is refused.')
param uploadApis array

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

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' existing = {
  parent: account
  name: 'default'
}

resource rejectedQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' existing = {
  parent: queueService
  name: rejectedQueueName
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
var storageQueueDataMessageSender = 'c6a89b2d-59bc-44d0-9896-0f6e12d7b80a'

// Storage Blob Data Contributor on the dead-letter container only, for the topic's identity:
// every subscription dead-letters with it (deadLetterWithResourceIdentity).
resource deadLetterWriter 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(deadLetterContainer.id, topic.id, storageBlobDataContributor)
  scope: deadLetterContainer
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataContributor)
    principalId: topic.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

// Storage Queue Data Message Sender on the rejection queue only, for the topic's identity: the
// two subscriptions below deliver to it with it (deliveryWithResourceIdentity).
resource rejectedQueueSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(rejectedQueue.id, topic.id, storageQueueDataMessageSender)
  scope: rejectedQueue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageQueueDataMessageSender)
    principalId: topic.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

var uploadsSubject = '/blobServices/default/containers/${uploadsContainerName}/blobs/'
// What make_thumbnail's subscription refuses, as two subscriptions: Event Grid ANDs the
// advanced filters of one subscription, so "over the limit OR not an upload" takes two. An
// event that is both arrives twice; reject_upload does the same thing twice.
var rejections = [
  {
    name: 'uploads-over-limit'
    advancedFilters: [
      {
        operatorType: 'NumberGreaterThan'
        key: 'data.contentLength'
        value: maxUploadBytes
      }
    ]
  }
  {
    name: 'uploads-not-uploaded'
    advancedFilters: [
      {
        operatorType: 'StringNotIn'
        key: 'data.api'
        values: uploadApis
      }
    ]
  }
]

resource rejectionSubscriptions 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2022-06-15' = [for rejection in rejections: {
  parent: topic
  name: rejection.name
  properties: {
    deliveryWithResourceIdentity: {
      identity: {
        type: 'SystemAssigned'
      }
      destination: {
        endpointType: 'StorageQueue'
        properties: {
          resourceId: account.id
          queueName: rejectedQueueName
          queueMessageTimeToLiveInSeconds: 604800
        }
      }
    }
    filter: {
      includedEventTypes: ['Microsoft.Storage.BlobCreated']
      subjectBeginsWith: uploadsSubject
      advancedFilters: rejection.advancedFilters
    }
    eventDeliverySchema: 'EventGridSchema'
    retryPolicy: {
      maxDeliveryAttempts: 30
      eventTimeToLiveInMinutes: 1440
    }
    deadLetterWithResourceIdentity: {
      identity: {
        type: 'SystemAssigned'
      }
      deadLetterDestination: {
        endpointType: 'StorageBlob'
        properties: {
          resourceId: account.id
          blobContainerName: deadLetterContainerName
        }
      }
    }
  }
  dependsOn: [
    rejectedQueueSender
    deadLetterWriter
  ]
}]

output name string = topic.name
