FROM node:20.18.1-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts
COPY . .
USER node
EXPOSE 3000
CMD ["npm", "run", "api"]
