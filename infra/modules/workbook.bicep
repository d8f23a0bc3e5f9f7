// The operations workbook, shared in the resource group beside Application Insights: requests,
// failures and p95 per route; change-feed lag and events by outcome; poison by queue;
// thumbnails by outcome and duration; orders per hour; storage calls slowest first. Every panel's
// query is loaded from infra/queries/, the one home the alerts and docs/operations.md read too.
// https://learn.microsoft.com/azure/templates/microsoft.insights/2023-06-01/workbooks
// https://learn.microsoft.com/azure/azure-monitor/visualize/workbooks-automate
param applicationInsightsName string
param location string
param tags object = {}

@description('The workbook\'s title in the portal.')
param displayName string = 'Orders app: operations'

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

// One entry per panel: its query file (loaded at build time), its title and how it is drawn.
var panels = [
  {
    name: 'requests-by-route'
    title: 'Requests, failures and p95 per route'
    query: loadTextContent('../queries/requests-by-route.kql')
    visualization: 'table'
  }
  {
    name: 'feed-lag'
    title: 'Change-feed lag p50/p95 (s) and events per 5 minutes'
    query: loadTextContent('../queries/feed-lag.kql')
    visualization: 'timechart'
  }
  {
    name: 'feed-events'
    title: 'Change-feed events by outcome, and poison by reason'
    query: loadTextContent('../queries/feed-events.kql')
    visualization: 'barchart'
  }
  {
    name: 'poison-by-queue'
    title: 'Messages poisoned, by queue and reason'
    query: loadTextContent('../queries/poison-by-queue.kql')
    visualization: 'table'
  }
  {
    name: 'thumbnails'
    title: 'Thumbnails by outcome: count, p50 and p95 duration (ms)'
    query: loadTextContent('../queries/thumbnails.kql')
    visualization: 'table'
  }
  {
    name: 'failed-thumbnails'
    title: 'Failed thumbnails, with the blob and the reason'
    query: loadTextContent('../queries/failed-thumbnails.kql')
    visualization: 'table'
  }
  {
    name: 'orders-per-hour'
    title: 'Orders created, changed, deleted and refused per hour'
    query: loadTextContent('../queries/orders-per-hour.kql')
    visualization: 'barchart'
  }
  {
    name: 'storage-calls'
    title: 'Storage calls, slowest first (p95 ms)'
    query: loadTextContent('../queries/storage-calls.kql')
    visualization: 'table'
  }
]

var timeRange = 'TimeRange'
var queryItems = [for panel in panels: {
  type: 3
  name: panel.name
  content: {
    version: 'KqlItem/1.0'
    title: panel.title
    query: panel.query
    size: 0
    queryType: 0
    resourceType: 'microsoft.insights/components'
    timeContextFromParameter: timeRange
    visualization: panel.visualization
  }
}]
var header = [
  {
    type: 1
    name: 'about'
    content: {
      json: '## Orders app\nEach panel\'s query lives in `infra/queries/` (docs/operations.md); the alerts read the same files.'
    }
  }
  {
    type: 9
    name: 'parameters'
    content: {
      version: 'KqlParameterItem/1.0'
      style: 'pills'
      queryType: 0
      resourceType: 'microsoft.insights/components'
      parameters: [
        {
          id: guid(applicationInsights.id, timeRange)
          version: 'KqlParameterItem/1.0'
          name: timeRange
          label: 'Time range'
          type: 4
          isRequired: true
          value: {
            durationMs: 86400000
          }
          typeSettings: {
            selectableValues: [
              { durationMs: 3600000 }
              { durationMs: 14400000 }
              { durationMs: 86400000 }
              { durationMs: 604800000 }
            ]
          }
        }
      ]
    }
  }
]
var content = {
  version: 'Notebook/1.0'
  items: concat(header, queryItems)
  fallbackResourceIds: [
    applicationInsights.id
  ]
  '$schema': 'https://github.com/Microsoft/Application-Insights-Workbooks/blob/master/schema/workbook.json'
}

resource workbook 'Microsoft.Insights/workbooks@2023-06-01' = {
  name: guid(resourceGroup().id, applicationInsightsName, 'operations-workbook') // a GUID, as workbooks require
  location: location
  tags: tags
  kind: 'shared'
  properties: {
    displayName: displayName
    category: 'workbook'
    sourceId: applicationInsights.id
    serializedData: string(content)
    version: '1.0'
  }
}

output id string = workbook.id
// The portal's link to a resource (here the workbook, which opens on it).
output portalUrl string = '${environment().portal}/#@${tenant().tenantId}/resource${workbook.id}'
